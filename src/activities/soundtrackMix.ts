/**
 * The soundtrack mix: narration on the timeline over the music bed, ducked and normalised. Split
 * from soundtrack.ts (the bed); the workflow calls both through createSoundtrackActivities.
 */
import { Context } from '@temporalio/activity';
import { ErrorTypes, failure } from '../domain/errors.js';
import type { Timeline } from '../domain/timeline.js';
import { SAMPLE_RATE, samplesFor } from '../media/audio/format.js';
import { LOUDNESS_TARGET, type Loudness, measureLoudness } from '../media/audio/loudness.js';
import { planSoundtrack, renderSoundtrack } from '../media/audio/mix.js';
import { verifyWav } from '../media/audio/verifyAudio.js';
import type { MediaTools } from '../media/ffmpeg.js';
import { GenerationCache, generationKey } from '../storage/generationCache.js';
import { type Storage, runKeys } from '../storage/index.js';
import { sha256File } from '../util/sha256.js';
import { ffmpegFailure } from './failures.js';
import { withHeartbeat } from './heartbeat.js';

export interface MixSoundtrackInput {
  runKey: string;
  timeline: Timeline;
  /** One clip per timeline scene, in order. */
  narrationRefs: string[];
  musicRef?: string;
  /** The bed's level under the voice before ducking, 0 to 1 (default 0.3, the request's default). */
  musicVolume?: number;
}

export interface MixedSoundtrack {
  soundtrackRef: string;
  /** Measured on the committed file (EBU R128). */
  integratedLufs: number;
  truePeakDbtp: number;
  durationSec: number;
}

const DEFAULT_MUSIC_VOLUME = 0.3;
/** A mix may miss the target by this much before it is refused (it lands within 0.3 LU in practice). */
const ACCEPTED_LOUDNESS_LU = 1;
/** Bump when the mix changes its sound without changing its inputs, so cached mixes are not reused. */
const MIX_FORMAT = 1;
/** The mix before normalisation (float), staged beside the soundtrack and removed after. */
const premixKey = (runKey: string) => `runs/${runKey}/soundtrack-premix.wav`;

export function createMixActivity({ storage, tools }: { storage: Storage; tools: MediaTools }) {
  const cache = new GenerationCache(storage);

  /**
   * Places the narration on the timeline, lays the bed under it (faded in and out, ducked under
   * every spoken line) and normalises the whole to −14 LUFS integrated, true peak ≤ −1 dBTP:
   * 48 kHz stereo WAV, exactly `timeline.totalSec` long. Without music, the narration alone is
   * normalised the same way. Idempotent: a finished soundtrack of the right length is measured
   * and reused.
   */
  async function mixSoundtrack(input: MixSoundtrackInput): Promise<MixedSoundtrack> {
    const ctx = Context.current();
    const soundtrackRef = runKeys.soundtrack(input.runKey);
    try {
      return await mix(input, soundtrackRef, ctx);
    } catch (err) {
      throw ffmpegFailure(err, ctx, ErrorTypes.RenderFailed, soundtrackRef, 'Mixing the soundtrack failed');
    }
  }

  async function mix(input: MixSoundtrackInput, soundtrackRef: string, ctx: Context): Promise<MixedSoundtrack> {
    const samples = samplesFor(input.timeline.totalSec);
    const result = (loudness: Pick<Loudness, 'integratedLufs' | 'truePeakDbtp'>): MixedSoundtrack => ({
      soundtrackRef,
      integratedLufs: loudness.integratedLufs,
      truePeakDbtp: loudness.truePeakDbtp,
      durationSec: samples / SAMPLE_RATE,
    });
    if (await isWholeWav(storage, tools, soundtrackRef, samples)) {
      return result(await measureLoudness(tools, storage.localPath(soundtrackRef), ctx.cancellationSignal));
    }
    for (const ref of [...input.narrationRefs, ...(input.musicRef ? [input.musicRef] : [])]) {
      if (!(await storage.exists(ref)))
        throw failure(ErrorTypes.AssetMissing, `Soundtrack asset ${ref} is missing from storage.`);
    }

    // The same narration clips over the same bed on the same timeline mix the same: a revision that
    // changed only a picture reuses its parent's soundtrack.
    const verify = verifyWav(tools, { samples });
    const key = generationKey({
      model: 'soundtrack-mix',
      input: {
        version: MIX_FORMAT,
        timeline: input.timeline,
        musicVolume: input.musicVolume ?? DEFAULT_MUSIC_VOLUME,
        narrations: await Promise.all(input.narrationRefs.map((ref) => sha256File(storage.localPath(ref)))),
        music: input.musicRef ? await sha256File(storage.localPath(input.musicRef)) : null,
      },
    });
    const hit = await cache.lookup(key);
    if (hit?.meta && typeof hit.meta.integratedLufs === 'number' && typeof hit.meta.truePeakDbtp === 'number') {
      await cache.restore(hit.files[0]!, soundtrackRef, verify);
      return result({ integratedLufs: hit.meta.integratedLufs, truePeakDbtp: hit.meta.truePeakDbtp });
    }

    const signal = ctx.cancellationSignal;
    const spec = await planSoundtrack(
      tools,
      {
        timeline: input.timeline,
        narrationPaths: input.narrationRefs.map((ref) => storage.localPath(ref)),
        musicPath: input.musicRef ? storage.localPath(input.musicRef) : undefined,
        musicVolume: input.musicVolume ?? DEFAULT_MUSIC_VOLUME,
      },
      signal,
    );
    let final: Loudness | undefined;
    const premix = await storage.stage(premixKey(input.runKey));
    try {
      await withHeartbeat((progress) =>
        storage.put(
          soundtrackRef,
          async (output) => {
            ({ final } = await renderSoundtrack(tools, {
              spec,
              premixPath: premix.tempPath,
              output,
              signal,
              onProgress: progress,
            }));
          },
          async (file) => {
            await verifyWav(tools, { samples })(file);
            checkLoudness(final!);
          },
        ),
      );
    } finally {
      await premix.discard();
    }
    const meta = { integratedLufs: final!.integratedLufs, truePeakDbtp: final!.truePeakDbtp };
    await cache.remember(
      key,
      { model: 'soundtrack-mix', files: [{ ref: soundtrackRef, filename: 'soundtrack.wav' }], meta },
      verify,
    );
    return result(final!);
  }

  return { mixSoundtrack };
}

/** A committed WAV of exactly `samples` samples that decodes: a finished asset to reuse. */
export async function isWholeWav(storage: Storage, tools: MediaTools, ref: string, samples: number): Promise<boolean> {
  if (!(await storage.exists(ref))) return false;
  try {
    await verifyWav(tools, { samples })(storage.localPath(ref));
    return true;
  } catch {
    return false;
  }
}

/** A mix that missed the delivery target is not committed (normalisation corrects itself first). */
function checkLoudness(measured: Loudness): void {
  const off = Math.abs(measured.integratedLufs - LOUDNESS_TARGET.integratedLufs);
  if (
    measured.integratedLufs > -60 &&
    (off > ACCEPTED_LOUDNESS_LU || measured.truePeakDbtp > LOUDNESS_TARGET.truePeakDbtp)
  ) {
    throw new Error(
      `the mix measures ${measured.integratedLufs} LUFS, ${measured.truePeakDbtp} dBTP; ` +
        `the target is ${LOUDNESS_TARGET.integratedLufs} LUFS, at most ${LOUDNESS_TARGET.truePeakDbtp} dBTP`,
    );
  }
}
