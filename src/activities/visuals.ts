import { Context } from '@temporalio/activity';
import { ErrorTypes, failure } from '../domain/errors.js';
import type { VisualProvider } from '../providers/types.js';
import { type Storage, runKeys } from '../storage/index.js';
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
}

export interface VisualDeps {
  storage: Storage;
  providers: Record<string, VisualProvider>;
  defaultProvider: string;
}

export function createVisualActivities({ storage, providers, defaultProvider }: VisualDeps) {
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
    if (!(await storage.exists(imageRef))) {
      const scene = await readPlannedScene(storage, input.planRef, input.sceneIndex);
      const staged = await storage.stage(imageRef);
      try {
        await provider.generate({
          prompt: scene.imagePrompt,
          width: input.width,
          height: input.height,
          outPath: staged.tempPath,
          signal: Context.current().cancellationSignal,
        });
        await staged.commit();
      } catch (err) {
        await staged.discard();
        throw err;
      }
    }
    return { imageRef, provider: provider.name, offline: provider.offline };
  }

  return { generateSceneImage };
}
