import { Context } from '@temporalio/activity';
import type { Cost } from '../catalog/cost.js';
import { ErrorTypes, failure } from '../domain/errors.js';
import type { MediaTools } from '../media/ffmpeg.js';
import { verifyImage } from '../media/verify.js';
import type { VisualProvider } from '../providers/types.js';
import { type Storage, runKeys } from '../storage/index.js';
import { activityFailure } from './failures.js';
import { withHeartbeat } from './heartbeat.js';
import { readPlannedScene } from './plan.js';

export interface GenerateSceneImageInput {
  runKey: string;
  planRef: string;
  sceneIndex: number;
  width: number;
  height: number;
  provider?: string;
}

export interface SceneImage {
  imageRef: string;
  provider: string;
  offline: boolean;
  /** What a paid provider's prediction cost (Replicate); absent offline and for an image already stored. */
  cost?: Cost;
  /** Served from the generation cache: nothing was paid. */
  cached?: boolean;
}

export interface VisualDeps {
  storage: Storage;
  providers: Record<string, VisualProvider>;
  defaultProvider: string;
  /** ffmpeg, to decode every image before it is committed. */
  tools: MediaTools;
}

export function createVisualActivities({ storage, providers, defaultProvider, tools }: VisualDeps) {
  /** Makes one scene's image. Idempotent: a finished image from an earlier attempt is kept. */
  async function generateSceneImage(input: GenerateSceneImageInput): Promise<SceneImage> {
    const name = input.provider ?? defaultProvider;
    const provider = providers[name];
    if (!provider) {
      throw failure(
        ErrorTypes.InvalidInput,
        `Unknown visual provider "${name}"; known: ${Object.keys(providers).join(', ')}.`,
      );
    }
    const imageRef = runKeys.image(input.runKey, input.sceneIndex);
    try {
      await withHeartbeat(async () => {
        if (await storage.exists(imageRef)) return;
        const scene = await readPlannedScene(storage, input.planRef, input.sceneIndex);
        const signal = Context.current().cancellationSignal;
        await storage.put(
          imageRef,
          (outPath) =>
            provider.generate({ prompt: scene.imagePrompt, width: input.width, height: input.height, outPath, signal }),
          verifyImage(tools),
        );
      });
    } catch (err) {
      throw activityFailure(err, ErrorTypes.VisualFailed, imageRef, `Image of scene ${input.sceneIndex + 1} failed`);
    }
    return { imageRef, provider: provider.name, offline: provider.offline };
  }

  return { generateSceneImage };
}
