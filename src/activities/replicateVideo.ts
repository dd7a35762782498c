import type { Cost } from '../catalog/cost.js';
import { type CachedGeneration, GenerationCache, generationKey } from '../storage/generationCache.js';
import { GenerationClaims } from '../storage/generationClaims.js';
import { sharedGeneration } from './sharedGeneration.js';
import { catalogModel, snapDuration } from '../catalog/index.js';
import type { Aspect } from '../domain/shortRequest.js';
import { verifyClip } from '../media/verify.js';
import { imageInputUrl } from '../replicate/imageInput.js';
import { videoModelInput } from '../replicate/models.js';
import { runDurablePrediction } from '../replicate/prediction.js';
import { runKeys } from '../storage/index.js';
import { readPlannedScene } from './plan.js';
import {
  type ReplicateActivityDeps,
  downloadWhileHeartbeating,
  firstOutputUrl,
  keyLabel,
  predictionCost,
  withKeyStats,
} from './replicate.js';

export interface ReplicateSceneVideoInput {
  runKey: string;
  planRef: string;
  sceneIndex: number;
  aspect: Aspect;
  model: string;
  /** The scene's still, for image-to-video models: animated with the plan's motion prompt. */
  imageRef?: string;
  /** About how long the scene will last; snapped to a length the model can make. */
  durationSec: number;
  modelInput?: Record<string, unknown>;
  /** false: predict even when the generation cache has this exact generation. */
  cache?: boolean;
}

export interface SceneClip {
  clipRef: string;
  provider: string;
  offline: false;
  predictionId?: string;
  /** Masked key that paid for it, e.g. `#2 r8_…a1b2`. */
  key?: string;
  /** What the prediction cost; absent when the clip was already in storage or came from the cache. */
  cost?: Cost;
  /** Served from the generation cache: nothing was paid. */
  cached?: boolean;
}

/**
 * One scene's clip from a video model on Replicate, through the same durable, key-pooled,
 * cancellable predictions as the images. Image-to-video first sends the scene's still: as a data URL
 * when it is small after compression, through Replicate's files API otherwise (the file belongs to
 * the key that creates the prediction). The MP4 is copied into storage, checked whole, as soon as
 * the prediction succeeds; the key's upstream slot is already free again by then.
 */
export function createReplicateVideoActivities(deps: ReplicateActivityDeps) {
  const { own, storage, tools, stats } = deps;
  const cache = new GenerationCache(storage);
  const claims = new GenerationClaims(storage, cache);

  async function generateSceneVideoOnReplicate(input: ReplicateSceneVideoInput): Promise<SceneClip> {
    const provider = `replicate:${input.model}`;
    const clipRef = runKeys.clip(input.runKey, input.sceneIndex);
    if (await storage.exists(clipRef)) return { clipRef, provider, offline: false };
    const scene = await readPlannedScene(storage, input.planRef, input.sceneIndex);
    const known = catalogModel(input.model);
    const durationSec = known?.durations ? snapDuration(known.durations, input.durationSec) : input.durationSec;
    const imageUrl = input.imageRef
      ? (await imageInputUrl(own, await storage.read(input.imageRef), { purpose: 'reelflow scene image' })).url
      : undefined;
    const prompt = scene.motionPrompt ? `${scene.imagePrompt}. ${scene.motionPrompt}` : scene.imagePrompt;
    const request = {
      model: input.model,
      input: videoModelInput(input.model, { prompt, aspect: input.aspect, durationSec, imageUrl }, input.modelInput),
    };
    // A still sent through the files API has a new URL each time, so only data-URL stills hit.
    const cacheKey = generationKey(request);
    const restore = async (hit: CachedGeneration): Promise<SceneClip> => {
      await cache.restore(hit.files[0]!, clipRef, verifyClip(tools, {}));
      return { clipRef, provider, offline: false, cached: true };
    };
    const predict = () =>
      withKeyStats(stats, async () => {
        const { prediction, owner, checkpoint } = await runDurablePrediction(own, deps.pool, request, deps.webhooks);
        const url = firstOutputUrl(prediction.output, 'video');
        await downloadWhileHeartbeating(url, { storage, tools }, clipRef, checkpoint, verifyClip);
        const cost = predictionCost(request, prediction, 1);
        const files = [{ ref: clipRef, filename: 'clip.mp4' }];
        await cache.remember(cacheKey, { model: input.model, files, cost }, verifyClip(tools, {}));
        return { clipRef, provider, offline: false as const, predictionId: prediction.id, key: keyLabel(owner), cost };
      });
    return sharedGeneration(claims, { key: cacheKey, read: input.cache !== false }, { restore, predict });
  }

  return { generateSceneVideoOnReplicate };
}

export type ReplicateVideoActivities = ReturnType<typeof createReplicateVideoActivities>;
