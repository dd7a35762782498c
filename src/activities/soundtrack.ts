import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes, failure } from '../domain/errors.js';
import type { Mood } from '../domain/plan.js';
import type { MusicRequest } from '../domain/shortRequest.js';
import type { Timeline } from '../domain/timeline.js';
import { ambientBedGraph, dominantMood } from '../media/audio/ambientBed.js';
import { TO_STEREO_48K, WAV_OUTPUT, exactLength, samplesFor, SAMPLE_RATE } from '../media/audio/format.js';
import { LOUDNESS_TARGET, type Loudness, measureLoudness } from '../media/audio/loudness.js';
import { planSoundtrack, renderSoundtrack } from '../media/audio/mix.js';
import { verifyWav } from '../media/audio/verifyAudio.js';
import { type MediaTools, probeMedia, runFfmpeg } from '../media/ffmpeg.js';
import { SafeFetchError, type SafeFetcher } from '../net/safeFetch.js';
import { type Storage, runKeys } from '../storage/index.js';
import { ffmpegFailure } from './failures.js';
import { withHeartbeat } from './heartbeat.js';

export interface SoundtrackDeps {
  storage: Storage;
  tools: MediaTools;
  /** The SSRF-safe fetcher every user URL goes through (src/net/safeFetch.ts). */
  fetcher: SafeFetcher;
}

export interface PrepareMusicInput {
  runKey: string;
  music: MusicRequest;
  /** The plan's scene moods; the generated bed follows the commonest. */
  moods: Mood[];
  /** The bed's exact length: the timeline's. */
  durationSec: number;
}

export interface PreparedMusic {
  musicRef: string;
  source: 'generated' | 'url';
  /** `generated-ambient` (made here, offline) or `url` (the caller's own track). */
  provider: string;
  offline: boolean;
  durationSec: number;
  /** The mood a generated bed follows. */
  mood?: Mood;
}

/** What `prepareMusic` answers for `source: "none"`. */
export type NoMusic = { musicRef?: undefined };

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

export const GENERATED_MUSIC_PROVIDER = 'generated-ambient';
const DEFAULT_MUSIC_VOLUME = 0.3;
/** A mix may miss the target by this much before it is refused (it lands within 0.3 LU in practice). */
const ACCEPTED_LOUDNESS_LU = 1;
/** A music URL must be audio by its first bytes (a container that can hold audio counts). */
const MUSIC_URL_ACCEPT = ['audio'] as const;

/** Where a fetched track waits (staged, so a dead worker's leftovers are cleaned) until decoded. */
const downloadKey = (runKey: string) => `runs/${runKey}/music-download.bin`;
/** The mix before normalisation (float), staged beside the soundtrack and removed after. */
const premixKey = (runKey: string) => `runs/${runKey}/soundtrack-premix.wav`;

export function createSoundtrackActivities({ storage, tools, fetcher }: SoundtrackDeps) {
  /**
   * The music bed, exactly `durationSec` long, 48 kHz stereo WAV: generated offline, or the
   * caller's track fetched through the safe fetcher and looped or cut to length. `{}` for none.
   * Idempotent: a finished bed of the right length is reused.
   */
  async function prepareMusic(input: PrepareMusicInput): Promise<PreparedMusic | NoMusic> {
    const { music } = input;
    if (music.source === 'none') return {};
    if (music.source === 'replicate') {
      throw ApplicationFailure.create({
        type: ErrorTypes.MusicFailed,
        nonRetryable: true,
        message: 'replicate music runs through the key pool activity generateMusicOnReplicate',
      });
    }
    const musicRef = runKeys.music(input.runKey);
    const samples = samplesFor(input.durationSec);
    const made: PreparedMusic = {
      musicRef,
      source: music.source,
      provider: music.source === 'generated' ? GENERATED_MUSIC_PROVIDER : 'url',
      offline: music.source === 'generated',
      durationSec: samples / SAMPLE_RATE,
      ...(music.source === 'generated' ? { mood: dominantMood(input.moods, music.prompt) } : {}),
    };
    const ctx = Context.current();
    try {
      if (await isWholeWav(musicRef, samples)) return made;
      await withHeartbeat(async (progress) => {
        if (music.source === 'generated') await generateBed(musicRef, made.mood!, input.durationSec, progress);
        else await fetchTrack(input.runKey, music.url!, musicRef, input.durationSec, progress);
      });
      return made;
    } catch (err) {
      throw musicFailure(err, ctx, musicRef);
    }
  }

  async function generateBed(musicRef: string, mood: Mood, durationSec: number, progress: Progress) {
    const bed = ambientBedGraph(durationSec, mood);
    await storage.put(
      musicRef,
      (output) =>
        runFfmpeg(tools, {
          inputs: bed.inputs,
          filterGraph: bed.filterGraph,
          outputOptions: ['-map', `[${bed.output}]`, ...WAV_OUTPUT, '-y'],
          output,
          expectedDurationSec: durationSec,
          onProgress: progress,
          signal: Context.current().cancellationSignal,
        }),
      verifyWav(tools, { samples: samplesFor(durationSec) }),
    );
  }

  /** Fetches the track (safe fetcher only), then decodes it to the bed format, looped or cut. */
  async function fetchTrack(runKey: string, url: string, musicRef: string, durationSec: number, progress: Progress) {
    const signal = Context.current().cancellationSignal;
    // A refused URL fails here, before anything is staged for it.
    await fetcher.check(url);
    const download = await storage.stage(downloadKey(runKey));
    try {
      await fetcher.download(url, download.tempPath, { accept: MUSIC_URL_ACCEPT, signal });
      progress(0.5);
      const probe = await probeMedia(tools, download.tempPath).catch(() => undefined);
      if (!probe?.streams.some((s) => s.type === 'audio') || !(probe.durationSec > 0)) {
        throw ApplicationFailure.create({
          type: ErrorTypes.MusicFailed,
          nonRetryable: true,
          message: 'Music failed: the file at music.url has no audio track ffmpeg can read',
        });
      }
      const samples = samplesFor(durationSec);
      await storage.put(
        musicRef,
        (output) =>
          runFfmpeg(tools, {
            // Looped, so a track shorter than the short still covers it.
            inputs: [{ path: download.tempPath, options: ['-stream_loop', '-1'] }],
            filterGraph: `[0:a]${TO_STEREO_48K},${exactLength(samples)}[music]`,
            outputOptions: ['-map', '[music]', ...WAV_OUTPUT, '-y'],
            output,
            expectedDurationSec: durationSec,
            onProgress: (f) => progress(0.5 + f / 2),
            signal,
          }),
        verifyWav(tools, { samples }),
      );
    } finally {
      await download.discard();
    }
  }

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
    const result = (loudness: Loudness): MixedSoundtrack => ({
      soundtrackRef,
      integratedLufs: loudness.integratedLufs,
      truePeakDbtp: loudness.truePeakDbtp,
      durationSec: samples / SAMPLE_RATE,
    });
    if (await isWholeWav(soundtrackRef, samples)) {
      return result(await measureLoudness(tools, storage.localPath(soundtrackRef), ctx.cancellationSignal));
    }
    for (const ref of [...input.narrationRefs, ...(input.musicRef ? [input.musicRef] : [])]) {
      if (!(await storage.exists(ref)))
        throw failure(ErrorTypes.AssetMissing, `Soundtrack asset ${ref} is missing from storage.`);
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
    return result(final!);
  }

  /** A committed WAV of exactly `samples` samples that decodes: a finished asset to reuse. */
  async function isWholeWav(ref: string, samples: number): Promise<boolean> {
    if (!(await storage.exists(ref))) return false;
    try {
      await verifyWav(tools, { samples })(storage.localPath(ref));
      return true;
    } catch {
      return false;
    }
  }

  return { prepareMusic, mixSoundtrack };
}

type Progress = (fraction: number) => void;

/** Runs `work`, heartbeating its progress as it reports it and at least every few seconds. */

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

/**
 * What leaves prepareMusic: a refused URL is the caller's input (InvalidInput, never retried,
 * details `{ reason: "UrlRefused" }`); another fetch failure is MusicFailed, retried only when
 * trying again could help; a cancellation stays a cancellation.
 */
function musicFailure(err: unknown, ctx: Context, musicRef: string): unknown {
  if (err instanceof SafeFetchError) {
    if (err.code === 'UrlRefused') {
      return failure(ErrorTypes.InvalidInput, `music.url ${err.message}`, {
        reason: 'UrlRefused',
        address: err.details.address,
      });
    }
    return ApplicationFailure.create({
      type: ErrorTypes.MusicFailed,
      nonRetryable: !err.retryable,
      message: `Music failed: could not fetch music.url: ${err.message}`,
      details: [{ reason: err.code, status: err.details.status }],
    });
  }
  return ffmpegFailure(err, ctx, ErrorTypes.MusicFailed, musicRef, 'Music failed');
}
