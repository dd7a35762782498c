/**
 * One chunk of a long video through the caller's own model (`task: "custom"`) on the key pool: the
 * chunk goes up through the files API (owned by the key that predicts), the caller's input gets
 * the chunk's values in its placeholders, the prediction is durable like every other, and what it
 * returns is kept in storage with the chunk's times, so a chunk is never paid for twice. An output
 * that is a file URL (or a list of them) is copied into storage before Replicate deletes it.
 */
import { log } from '@temporalio/activity';
import { ErrorTypes } from '../../domain/errors.js';
import type { ChunkCallInput } from '../../domain/longVideo.js';
import { fillPlaceholders } from '../../domain/longVideoCustom.js';
import { runDurablePrediction } from '../../replicate/prediction.js';
import type { PredictionCheckpoint } from '../../replicate/prediction.js';
import { expectBytes } from '../../storage/index.js';
import { activityFailure } from '../failures.js';
import { type ReplicateActivityDeps, downloadWhileHeartbeating, predictionCost, withKeyStats } from '../replicate.js';
import { longVideoKeys } from './prepare.js';
import { logTaken } from './keyLog.js';
import { uploadForPrediction } from './upload.js';

export interface CustomChunkInput extends ChunkCallInput {
  /** The caller's input, placeholders and all (checked by the request schema). */
  input: Record<string, unknown>;
}

/** A chunk's output as kept: its times from the video's start, and what the model returned. */
export interface ChunkOutput {
  index: number;
  startSec: number;
  endSec: number;
  /** The model's JSON as it came, or, for file outputs, the stored files' names (outputs/NNN-k.ext). */
  output: unknown;
}

export interface CustomChunkDone {
  ref: string;
  /** Output files copied into storage. */
  files: string[];
  key?: string;
  costUsd?: number;
}

const FILE_URL = /^https?:\/\/\S+$/;

/** The file URLs of an output that is one file or a list of files; undefined for any other JSON. */
export function outputFileUrls(output: unknown): string[] | undefined {
  const list = Array.isArray(output) ? output : [output];
  if (list.length === 0 || !list.every((u) => typeof u === 'string' && FILE_URL.test(u))) return undefined;
  return list as string[];
}

export function createCustomChunkActivities({ own, pool, storage, stats, webhooks, tools }: ReplicateActivityDeps) {
  async function runCustomChunk(input: CustomChunkInput): Promise<CustomChunkDone> {
    const ref = longVideoKeys.chunkOutput(input.runKey, input.index);
    if (await storage.exists(ref)) {
      const kept = JSON.parse((await storage.read(ref)).toString('utf8')) as ChunkOutput & { files?: string[] };
      return { ref, files: kept.files ?? [] };
    }
    try {
      return await withKeyStats(stats, async () => {
        logTaken(own, stats, `chunk ${input.index}`, input.videoId);
        const url = await uploadForPrediction(own, storage, input.chunkRef, 'a chunk');
        const request = {
          model: input.model,
          input: fillPlaceholders(input.input, {
            url,
            startSec: input.startSec,
            endSec: input.endSec,
            index: input.index,
            ...(input.language ? { language: input.language } : {}),
          }),
        };
        const { prediction, owner, checkpoint } = await runDurablePrediction(own, pool, request, webhooks);
        const urls = outputFileUrls(prediction.output);
        const files = urls ? await keepFiles(input, urls, checkpoint) : [];
        const kept: ChunkOutput & { files: string[] } = {
          index: input.index,
          startSec: input.startSec,
          endSec: input.endSec,
          output: urls ? files.map((f) => f.slice(f.lastIndexOf('/outputs/') + 1)) : prediction.output,
          files,
        };
        await storage.write(ref, JSON.stringify(kept));
        const cost = predictionCost(request, prediction, urls?.length ?? 1);
        log.info(`key #${owner.key.index} finished chunk ${input.index} of ${input.videoId}`);
        return { ref, files, key: owner.key.masked, ...(cost.usd !== undefined ? { costUsd: cost.usd } : {}) };
      });
    } catch (err) {
      throw activityFailure(err, ErrorTypes.ChunkFailed, ref, `Running ${input.model} on chunk ${input.index} failed`);
    }
  }

  /** Each file copied whole (as many bytes as promised) as outputs/NNN-k.<ext>, where the API serves it. */
  async function keepFiles(input: CustomChunkInput, urls: string[], checkpoint: PredictionCheckpoint) {
    return Promise.all(
      urls.map(async (url, k) => {
        const ext = /\.([a-z0-9]{1,5})$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase() ?? 'bin';
        const fileRef = longVideoKeys.outputFile(input.runKey, input.index, k, ext);
        await downloadWhileHeartbeating(url, { storage, tools }, fileRef, checkpoint, (_tools, { expectedBytes }) =>
          expectedBytes !== undefined ? expectBytes(expectedBytes) : async () => undefined,
        );
        return fileRef;
      }),
    );
  }

  return { runCustomChunk };
}
