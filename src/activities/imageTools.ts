/**
 * One image tool call on the key pool: the stored picture (and mask) sent to the tool's model as a
 * data URL or a files-API upload, one durable prediction (resumed after a crash, cancelled upstream
 * with the run), and every output copied into storage whole before the activity returns. Served
 * from the generation cache when the same call (same model, same input bytes) was made before.
 */
import { ApplicationFailure } from '@temporalio/common';
import sharp from 'sharp';
import { type ImageToolName, type ToolRequest, toolModel } from '../catalog/tools.js';
import type { ImageToolResult, ToolOptions, ToolOutput } from '../domain/imageTool.js';
import { verifyImage } from '../media/verify.js';
import { ReplicateErrorTypes } from '../replicate/errors.js';
import { imageInputUrl } from '../replicate/imageInput.js';
import { runDurablePrediction } from '../replicate/prediction.js';
import { type CachedGeneration, GenerationCache, generationKey } from '../storage/generationCache.js';
import { GenerationClaims } from '../storage/generationClaims.js';
import {
  type ReplicateActivityDeps,
  allOutputUrls,
  downloadWhileHeartbeating,
  extensionOf,
  keyLabel,
  predictionCost,
  withKeyStats,
} from './replicate.js';
import { sharedGeneration } from './sharedGeneration.js';

export interface RunImageToolInput {
  /** The run's ID: outputs go under images/<runKey>/. */
  runKey: string;
  tool: ImageToolName;
  imageRef?: string;
  maskRef?: string;
  options: ToolOptions;
  cache?: boolean;
}

const CONTENT_TYPES = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp' } as const;

export const toolOutputsDir = (runKey: string) => `images/${runKey}`;

export function createImageToolActivities(deps: ReplicateActivityDeps) {
  const { own, pool, storage, stats, webhooks, tools } = deps;
  const cache = new GenerationCache(storage);
  const claims = new GenerationClaims(storage, cache);

  async function runImageTool(input: RunImageToolInput): Promise<ImageToolResult> {
    const model = toolModel(input.tool);
    const o = input.options;
    const image = input.imageRef
      ? await imageInputUrl(own, await storage.read(input.imageRef), {
          keepAlpha: model.shape.keepAlpha,
          purpose: `${input.tool} input`,
        })
      : undefined;
    // A mask stays PNG: its edges are the point, and JPEG would blur them into grey.
    const mask = input.maskRef
      ? await imageInputUrl(own, await storage.read(input.maskRef), { keepAlpha: true, purpose: 'inpainting mask' })
      : undefined;
    const request: ToolRequest = {
      prompt: o.prompt ?? '',
      aspect: o.aspect ?? '1:1',
      ...(image ? { imageUrl: image.url } : {}),
      ...(mask ? { maskUrl: mask.url } : {}),
      ...(o.scale !== undefined ? { scale: o.scale } : {}),
      ...(o.face_enhance !== undefined ? { faceEnhance: o.face_enhance } : {}),
      ...(o.negative_prompt ? { negativePrompt: o.negative_prompt } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    };
    const prediction = { model: model.model, input: model.input(request) };
    const dir = toolOutputsDir(input.runKey);
    const base = {
      tool: input.tool,
      model: model.model,
      ...(image ? { input: { width: image.width, height: image.height } } : {}),
    };

    const restore = async (hit: CachedGeneration): Promise<ImageToolResult> => {
      const outputs: ToolOutput[] = [];
      for (const [i, file] of hit.files.entries()) {
        const ref = `${dir}/${outputName(i, file.filename)}`;
        await cache.restore(file, ref, verifyImage(tools));
        outputs.push(await describe(ref));
      }
      return { ...base, outputs, cached: true };
    };
    const predict = () =>
      withKeyStats(stats, async () => {
        const { prediction: done, owner, checkpoint } = await runDurablePrediction(own, pool, prediction, webhooks);
        const urls = allOutputUrls(done.output);
        const outputs: ToolOutput[] = [];
        for (const [i, url] of urls.entries()) {
          const ref = `${dir}/${outputName(i, `x.${extensionOf(url)}`)}`;
          await downloadWhileHeartbeating(url, { storage, tools }, ref, checkpoint);
          outputs.push(await describe(ref));
        }
        const cost = predictionCost(prediction, done, urls.length);
        const files = outputs.map((out) => ({ ref: out.ref, filename: out.filename }));
        await cache.remember(generationKey(prediction), { model: model.model, files, cost }, verifyImage(tools));
        return { ...base, outputs, predictionId: done.id, key: keyLabel(owner), cost };
      });
    return sharedGeneration(
      claims,
      { key: generationKey(prediction), read: input.cache !== false },
      { restore, predict },
    );
  }

  /** What a stored output is, read from its bytes (the API shows it; tests check it). */
  async function describe(ref: string): Promise<ToolOutput> {
    const bytes = await storage.read(ref);
    const meta = await sharp(bytes).metadata();
    const format = (meta.format === 'jpeg' ? 'jpg' : meta.format) as keyof typeof CONTENT_TYPES;
    const contentType = CONTENT_TYPES[format];
    if (!contentType || !meta.width || !meta.height) {
      throw ApplicationFailure.create({
        type: ReplicateErrorTypes.PredictionFailed,
        nonRetryable: true,
        message: `The model returned a ${meta.format ?? 'unknown'} file, not PNG, JPEG or WebP.`,
      });
    }
    return {
      ref,
      filename: ref.slice(ref.lastIndexOf('/') + 1),
      contentType,
      width: meta.width,
      height: meta.height,
      hasAlpha: meta.hasAlpha === true,
      bytes: bytes.length,
    };
  }

  return { runImageTool };
}

/** `output.png`, or `output-2.png`… for a model that made several. */
function outputName(index: number, original: string): string {
  const ext = original.slice(original.lastIndexOf('.') + 1).toLowerCase() || 'png';
  return `output${index === 0 ? '' : `-${index + 1}`}.${ext}`;
}

export type ImageToolActivities = ReturnType<typeof createImageToolActivities>;
