import { Context } from '@temporalio/activity';
import path from 'node:path';
import { type CachedGeneration, GenerationCache, generationKey } from '../storage/generationCache.js';
import { GenerationClaims } from '../storage/generationClaims.js';
import { sharedGeneration } from './sharedGeneration.js';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type Cost, type PredictionUsage, actualCost } from '../catalog/cost.js';
import { type GenerateImageInput, type GenerateImageResult, outputFilenames, safeSegment } from '../domain/batch.js';
import type { Aspect } from '../domain/shortRequest.js';
import type { MediaTools } from '../media/ffmpeg.js';
import { verifyImage } from '../media/verify.js';
import type { KeyClient, ReplicatePool } from '../replicate/client.js';
import { ReplicateErrorTypes } from '../replicate/errors.js';
import type { KeyStatsRecorder } from '../replicate/keyStats.js';
import { imageModelInput } from '../replicate/models.js';
import { type PredictionCheckpoint, type PredictionWebhooks, runDurablePrediction } from '../replicate/prediction.js';
import { type Storage, type Verifier, runKeys } from '../storage/index.js';
import { readPlannedScene } from './plan.js';
import type { SceneImage } from './visuals.js';

export interface ReplicateSceneImageInput {
  runKey: string;
  planRef: string;
  sceneIndex: number;
  aspect: Aspect;
  model: string;
  modelInput?: Record<string, unknown>;
  /** false: predict even when the generation cache has this exact generation. */
  cache?: boolean;
}

export interface ReplicateSceneImage extends SceneImage {
  predictionId?: string;
  /** Served from the generation cache: nothing was paid. */
  cached?: boolean;
  /** Masked key that paid for it, e.g. `#2 r8_…a1b2`. */
  key?: string;
  /** What the prediction cost; absent when the image was already in storage (nothing paid now). */
  cost?: Cost;
}

export interface ReplicateActivityDeps {
  own: KeyClient;
  pool: ReplicatePool;
  storage: Storage;
  stats: KeyStatsRecorder;
  /** This process's webhook receiver; absent means predictions are watched by polling alone. */
  webhooks?: PredictionWebhooks;
  /** ffmpeg, to decode every downloaded image before it is committed. */
  tools: MediaTools;
}

const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp'];
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** Activities of one key's worker: the factory captures the key, so its slots are that key's limit. */
export function createReplicateActivities({ own, pool, storage, stats, webhooks, tools }: ReplicateActivityDeps) {
  const cache = new GenerationCache(storage);
  const claims = new GenerationClaims(storage, cache);
  /**
   * One scene's image from a Replicate model. The prediction is durable (see runDurablePrediction)
   * and its output is copied into our storage in the same activity, before Replicate deletes it.
   */
  async function generateSceneImageOnReplicate(input: ReplicateSceneImageInput): Promise<ReplicateSceneImage> {
    const provider = `replicate:${input.model}`;
    for (const ext of IMAGE_EXTENSIONS) {
      const ref = runKeys.image(input.runKey, input.sceneIndex, ext);
      if (await storage.exists(ref)) return { imageRef: ref, provider, offline: false };
    }
    const scene = await readPlannedScene(storage, input.planRef, input.sceneIndex);
    const request = {
      model: input.model,
      input: imageModelInput(input.model, { prompt: scene.imagePrompt, aspect: input.aspect }, input.modelInput),
    };
    const cacheKey = generationKey(request);
    const restore = async (hit: CachedGeneration): Promise<ReplicateSceneImage> => {
      const file = hit.files[0]!;
      const imageRef = runKeys.image(input.runKey, input.sceneIndex, extensionOfName(file.filename));
      await cache.restore(file, imageRef, verifyImage(tools));
      return { imageRef, provider, offline: false, cached: true };
    };
    const predict = () =>
      withKeyStats(stats, async () => {
        const { prediction, owner, checkpoint } = await runDurablePrediction(own, pool, request, webhooks);
        const url = firstOutputUrl(prediction.output);
        const imageRef = runKeys.image(input.runKey, input.sceneIndex, extensionOf(url));
        await downloadWhileHeartbeating(url, { storage, tools }, imageRef, checkpoint);
        const cost = predictionCost(request, prediction, 1);
        const files = [{ ref: imageRef, filename: path.basename(imageRef) }];
        await cache.remember(cacheKey, { model: input.model, files, cost }, verifyImage(tools));
        return { imageRef, provider, offline: false, predictionId: prediction.id, key: keyLabel(owner), cost };
      });
    return sharedGeneration(claims, { key: cacheKey, read: input.cache !== false }, { restore, predict });
  }

  /**
   * One task of an image batch: a durable prediction, then every output either copied into storage
   * under `batches/<batchKey>/<taskIndex>/` (default) or returned as Replicate's URLs (download
   * false; they expire after an hour). Returns names and refs only, never bytes.
   */
  async function generateImage(input: GenerateImageInput): Promise<GenerateImageResult> {
    const request = {
      model: input.model,
      input: imageModelInput(input.model, { prompt: input.prompt, aspect: '1:1' }, input.modelInput),
    };
    const dir = `batches/${safeSegment(input.batchKey, 'batch')}/${input.taskIndex}`;
    // Only stored outputs are cached; URL-only tasks always predict (their outputs were never ours).
    const cacheKey = input.download === false ? undefined : generationKey(request);
    const restore = async (hit: CachedGeneration): Promise<GenerateImageResult> => {
      const names = outputFilenames(
        input.outputFilename,
        hit.files.map((f) => extensionOfName(f.filename)),
      );
      const files = await Promise.all(
        hit.files.map(async (file, i) => {
          const ref = `${dir}/${names[i]!}`;
          await cache.restore(file, ref, verifyImage(tools));
          return { ref, filename: names[i]! };
        }),
      );
      return { taskIndex: input.taskIndex, cached: true, files };
    };
    const predict = () =>
      withKeyStats(stats, async () => {
        const { prediction, owner, checkpoint } = await runDurablePrediction(own, pool, request, webhooks);
        const urls = allOutputUrls(prediction.output);
        const names = outputFilenames(input.outputFilename, urls.map(extensionOf));
        const files = await Promise.all(
          urls.map(async (url, i) => {
            const filename = names[i]!;
            if (input.download === false) return { url, filename };
            const ref = `${dir}/${filename}`;
            await downloadWhileHeartbeating(url, { storage, tools }, ref, checkpoint);
            return { ref, filename };
          }),
        );
        const cost = predictionCost(request, prediction, urls.length);
        if (cacheKey) {
          const stored = files.flatMap((f) => (f.ref ? [{ ref: f.ref, filename: f.filename }] : []));
          await cache.remember(cacheKey, { model: input.model, files: stored, cost }, verifyImage(tools));
        }
        return {
          taskIndex: input.taskIndex,
          predictionId: prediction.id,
          key: keyLabel(owner),
          files,
          predictTimeSec: prediction.metrics?.predict_time,
          cost,
        };
      });
    return sharedGeneration(claims, { key: cacheKey, read: input.cache !== false }, { restore, predict });
  }

  return { generateSceneImageOnReplicate, generateImage };
}

export type ReplicateActivities = ReturnType<typeof createReplicateActivities>;

/** The one output URL of a model that makes one file (or a list of them); a typed failure without one. */
export function firstOutputUrl(output: unknown, what = 'image'): string {
  const first = Array.isArray(output) ? output[0] : output;
  if (typeof first !== 'string' || !/^https?:/.test(first)) {
    throw ApplicationFailure.create({
      type: ReplicateErrorTypes.PredictionFailed,
      nonRetryable: true,
      message: `The model returned no ${what} URL (output: ${JSON.stringify(output)?.slice(0, 200)}).`,
    });
  }
  return first;
}

/** Runs one prediction's work with the key's stats around it: started, then completed or failed. */
export async function withKeyStats<T>(stats: KeyStatsRecorder, work: () => Promise<T>): Promise<T> {
  stats.started();
  try {
    const result = await work();
    stats.finished('completed');
    return result;
  } catch (err) {
    const failure = err as { type?: string; message?: string };
    stats.finished('failed', { type: failure.type ?? 'Error', message: failure.message ?? String(err) });
    throw err;
  }
}

/** What a finished prediction cost, by the catalog's price and the prediction's own metrics. */
export function predictionCost(
  request: { model: string; input: Record<string, unknown> },
  prediction: { metrics?: PredictionUsage['metrics'] },
  outputCount: number,
): Cost {
  return actualCost(request.model, { metrics: prediction.metrics, outputCount, input: request.input });
}

/** The key that paid, as results show it: `#2 r8_…a1b2`. */
export function keyLabel(owner: KeyClient): string {
  return `#${owner.key.index} ${owner.key.masked}`;
}

/** Every output URL, for models that return a list (num_outputs > 1) as well as a single URL. */
export function allOutputUrls(output: unknown): string[] {
  const urls = (Array.isArray(output) ? output : [output]).filter(
    (u): u is string => typeof u === 'string' && /^https?:/.test(u),
  );
  if (urls.length === 0) firstOutputUrl(output); // throws the typed "no image URL" failure
  return urls;
}

export function extensionOf(url: string): string {
  return extensionOfName(new URL(url).pathname);
}

/** An image file name's extension when it is one we store, else png. */
function extensionOfName(name: string): string {
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  return IMAGE_EXTENSIONS.includes(ext) ? ext : 'png';
}

/**
 * Copies one output into storage, keeping the checkpoint alive so a slow download is not mistaken
 * for a dead worker. The copy is committed only when it is whole: as many bytes as Content-Length
 * promised (when the body is not re-encoded on the way) and an image that decodes. A cut-off or
 * undecodable copy is ReplicateUnavailable (retried: the next attempt downloads again), a full disk
 * StorageFull.
 */
export async function downloadWhileHeartbeating(
  url: string,
  { storage, tools }: { storage: Storage; tools: MediaTools },
  ref: string,
  checkpoint: PredictionCheckpoint,
  verify: (tools: MediaTools, options: { expectedBytes?: number }) => Verifier = verifyImage,
): Promise<void> {
  const ctx = Context.current();
  const beat = setInterval(() => ctx.heartbeat(checkpoint), 1000);
  try {
    const response = await fetch(url, {
      signal: AbortSignal.any([ctx.cancellationSignal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)]),
    });
    if (response.status === 404 || response.status === 410) {
      // Replicate deletes outputs after an hour; the next attempt sees data_removed and predicts again.
      throw ApplicationFailure.create({
        type: ReplicateErrorTypes.OutputExpired,
        message: `The output at ${new URL(url).pathname} has expired.`,
      });
    }
    if (!response.ok || !response.body) {
      throw ApplicationFailure.create({
        type: ReplicateErrorTypes.Unavailable,
        message: `Downloading the output failed with ${response.status}.`,
      });
    }
    const length = response.headers.get('content-length');
    const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
    const expectedBytes = length !== null && !encoded ? Number(length) : undefined;
    try {
      await storage.writeStream(
        ref,
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        verify(tools, { expectedBytes }),
      );
    } catch (err) {
      if (err instanceof TemporalFailure || ctx.cancellationSignal.aborted) throw err;
      throw ApplicationFailure.create({
        type: ReplicateErrorTypes.Unavailable,
        message: `Downloading the output ${new URL(url).pathname} failed: ${(err as Error).message}`,
      });
    }
  } finally {
    clearInterval(beat);
  }
}
