import { Context } from '@temporalio/activity';
import { ErrorTypes, failure } from '../domain/errors.js';
import type { Language } from '../domain/shortRequest.js';
import { type MediaTools, probeMedia } from '../media/ffmpeg.js';
import { verifyNarration } from '../media/verify.js';
import { ToolNotFoundError } from '../providers/espeak.js';
import type { NarrationProvider } from '../providers/types.js';
import { type Storage, runKeys } from '../storage/index.js';
import { activityFailure } from './failures.js';
import { readPlannedScene } from './plan.js';

export interface SynthesizeNarrationInput {
  runKey: string;
  planRef: string;
  sceneIndex: number;
  language: Language;
  voice?: string;
}

export interface SceneNarration {
  narrationRef: string;
  durationSec: number;
  provider: string;
  voice: string;
  offline: boolean;
}

export interface NarrationDeps {
  storage: Storage;
  tools: MediaTools;
  provider: NarrationProvider;
}

export function createNarrationActivities({ storage, tools, provider }: NarrationDeps) {
  /** Speaks one scene and measures the clip, since the scene's length follows its narration. */
  async function synthesizeNarration(input: SynthesizeNarrationInput): Promise<SceneNarration> {
    const narrationRef = runKeys.narration(input.runKey, input.sceneIndex);
    try {
      return await speak(input, narrationRef);
    } catch (err) {
      if (err instanceof ToolNotFoundError) {
        throw failure(
          ErrorTypes.ToolMissing,
          `${err.message}. Install it with \`npm run bootstrap\` (or apt-get install espeak-ng).`,
        );
      }
      throw activityFailure(
        err,
        ErrorTypes.NarrationFailed,
        narrationRef,
        `Narration of scene ${input.sceneIndex + 1} failed`,
      );
    }
  }

  async function speak(input: SynthesizeNarrationInput, narrationRef: string): Promise<SceneNarration> {
    const scene = await readPlannedScene(storage, input.planRef, input.sceneIndex);
    const voice = provider.voiceFor(input.language, input.voice);
    if (!(await storage.exists(narrationRef))) {
      const signal = Context.current().cancellationSignal;
      await storage.put(
        narrationRef,
        async (outPath) => {
          await provider.synthesize({ text: scene.narration, voice, language: input.language, outPath, signal });
        },
        verifyNarration(tools, { text: scene.narration }),
      );
    }
    const probe = await probeMedia(tools, storage.localPath(narrationRef));
    if (!(probe.durationSec > 0)) {
      throw failure(ErrorTypes.NarrationFailed, `Narration of scene ${input.sceneIndex + 1} came out empty.`);
    }
    return { narrationRef, durationSec: probe.durationSec, provider: provider.name, voice, offline: provider.offline };
  }

  return { synthesizeNarration };
}
