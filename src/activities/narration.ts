import { Context } from '@temporalio/activity';
import type { Cost } from '../catalog/cost.js';
import { rm } from 'node:fs/promises';
import { ErrorTypes, failure } from '../domain/errors.js';
import type { Language, NarrationProviderName } from '../domain/shortRequest.js';
import type { NarrationWords } from '../domain/words.js';
import { type MediaTools, probeMedia, runFfmpeg } from '../media/ffmpeg.js';
import { verifyNarration } from '../media/verify.js';
import { ToolNotFoundError } from '../providers/espeak.js';
import { ProviderErrorTypes, failure as providerFailure } from '../providers/failures.js';
import type { NarrationProvider, SpeechResult } from '../providers/types.js';
import { GenerationCache, generationKey } from '../storage/generationCache.js';
import { type Storage, runKeys } from '../storage/index.js';
import { activityFailure } from './failures.js';
import { withHeartbeat } from './heartbeat.js';
import { readPlannedScene } from './plan.js';

export interface SynthesizeNarrationInput {
  runKey: string;
  planRef: string;
  sceneIndex: number;
  language: Language;
  voice?: string;
  /** Absent in runs started before voices could be chosen: the worker's default (espeak-ng). */
  provider?: NarrationProviderName;
  model?: string;
  speed?: number;
  /** false: speak afresh even when the same words in the same voice were spoken before. */
  cache?: boolean;
}

export interface SceneNarration {
  narrationRef: string;
  durationSec: number;
  provider: string;
  voice: string;
  offline: boolean;
  /** Word timings beside the clip (`narration.words.json`), when the voice gave or we measured them. */
  wordsRef?: string;
  wordsSource?: NarrationWords['source'];
  /** What a paid voice's prediction cost (Replicate speech); absent for local and subscription voices. */
  cost?: Cost;
  /** The clip came from the cache: the same words in the same voice, spoken for an earlier run. */
  cached?: boolean;
}

export interface NarrationDeps {
  storage: Storage;
  tools: MediaTools;
  /** Every voice this worker can use, by request name; `espeak` always. */
  providers: Partial<Record<NarrationProviderName, NarrationProvider>>;
  defaultProvider: NarrationProviderName;
}

/** Every clip leaves here as 48 kHz mono PCM, whatever the provider sent, so the mix never resamples twice. */
const CLIP_FORMAT = ['-ar', '48000', '-ac', '1', '-c:a', 'pcm_s16le'];

const CONFIG_HINT: Partial<Record<NarrationProviderName, string>> = {
  openai: 'OPENAI_TTS_API_KEY (or OPENAI_TTS_BASE_URL for a keyless server)',
  elevenlabs: 'ELEVENLABS_API_KEY',
};

export function createNarrationActivities({ storage, tools, providers, defaultProvider }: NarrationDeps) {
  const cache = new GenerationCache(storage);
  /**
   * Speaks one scene with the requested voice, normalises the clip to 48 kHz and measures it, since
   * the scene's length follows its narration. Idempotent: a clip an earlier attempt committed is kept.
   */
  async function synthesizeNarration(input: SynthesizeNarrationInput): Promise<SceneNarration> {
    const narrationRef = runKeys.narration(input.runKey, input.sceneIndex);
    const name = input.provider ?? defaultProvider;
    const provider = providers[name];
    if (!provider) {
      throw providerFailure(
        ProviderErrorTypes.SpeechNotConfigured,
        `The voice provider "${name}" is not configured on this worker${CONFIG_HINT[name] ? `: set ${CONFIG_HINT[name]}` : ''}.`,
      );
    }
    try {
      // Heartbeats let a crashed worker's narration be retried in seconds (paid voices take a while).
      return await withHeartbeat(() => speak(input, provider, narrationRef));
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

  async function speak(
    input: SynthesizeNarrationInput,
    provider: NarrationProvider,
    narrationRef: string,
  ): Promise<SceneNarration> {
    const scene = await readPlannedScene(storage, input.planRef, input.sceneIndex);
    const voice = provider.voiceFor(input.language, input.voice);
    const wordsRef = runKeys.narrationWords(input.runKey, input.sceneIndex);
    // The same words in the same voice sound the same: a revision or a repeated short reuses them.
    const key = generationKey({
      model: `narration:${provider.name}${input.model ? `:${input.model}` : ''}`,
      input: { text: scene.narration, voice, language: input.language, speed: input.speed ?? null, CLIP_FORMAT },
    });
    let cached = false;
    if (!(await storage.exists(narrationRef)) && input.cache !== false) {
      const hit = await cache.lookup(key);
      if (hit) {
        // The timings first: a committed clip always has its timings beside it.
        const words = hit.files.find((f) => f.filename === 'words.json');
        if (words) await cache.restore(words, wordsRef, async () => undefined);
        const clip = hit.files.find((f) => f.filename === 'narration.wav')!;
        await cache.restore(clip, narrationRef, verifyNarration(tools, { text: scene.narration }));
        cached = true;
      }
    }
    if (!(await storage.exists(narrationRef))) {
      const signal = Context.current().cancellationSignal;
      await storage.put(
        narrationRef,
        async (outPath) => {
          const source = `${outPath}.source`;
          try {
            const spoken = await provider.synthesize({
              text: scene.narration,
              voice,
              language: input.language,
              model: input.model,
              speed: input.speed,
              outPath: source,
              signal,
            });
            await runFfmpeg(tools, { inputs: [{ path: source }], outputOptions: CLIP_FORMAT, output: outPath, signal });
            // Written before the clip is committed: a committed clip always has its timings beside it.
            await saveWords(wordsRef, spoken);
          } finally {
            await rm(source, { force: true });
          }
        },
        verifyNarration(tools, { text: scene.narration }),
      );
      const files = [{ ref: narrationRef, filename: 'narration.wav' }];
      if (await storage.exists(wordsRef)) files.push({ ref: wordsRef, filename: 'words.json' });
      await cache.remember(key, { model: provider.name, files }, async () => undefined);
    }
    const probe = await probeMedia(tools, storage.localPath(narrationRef));
    if (!(probe.durationSec > 0)) {
      throw failure(ErrorTypes.NarrationFailed, `Narration of scene ${input.sceneIndex + 1} came out empty.`);
    }
    const words = await readWords(wordsRef);
    return {
      narrationRef,
      durationSec: probe.durationSec,
      provider: provider.name,
      voice,
      offline: provider.offline,
      ...(words ? { wordsRef, wordsSource: words.source } : {}),
      ...(cached ? { cached: true } : {}),
    };
  }

  async function saveWords(wordsRef: string, spoken: SpeechResult | void): Promise<void> {
    if (!spoken?.words?.length) return;
    const words: NarrationWords = { source: spoken.wordsSource ?? 'provider', words: spoken.words };
    await storage.write(wordsRef, JSON.stringify(words));
  }

  async function readWords(wordsRef: string): Promise<NarrationWords | undefined> {
    if (!(await storage.exists(wordsRef))) return undefined;
    return JSON.parse((await storage.read(wordsRef)).toString('utf8')) as NarrationWords;
  }

  return { synthesizeNarration };
}
