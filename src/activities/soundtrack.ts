import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes, failure } from '../domain/errors.js';
import type { Mood } from '../domain/plan.js';
import type { MusicRequest } from '../domain/shortRequest.js';
import { ambientBedGraph, dominantMood } from '../media/audio/ambientBed.js';
import { TO_STEREO_48K, WAV_OUTPUT, exactLength, samplesFor, SAMPLE_RATE } from '../media/audio/format.js';
import { verifyWav } from '../media/audio/verifyAudio.js';
import { type MediaTools, probeMedia, runFfmpeg } from '../media/ffmpeg.js';
import { SafeFetchError, type SafeFetcher } from '../net/safeFetch.js';
import { GenerationCache, generationKey } from '../storage/generationCache.js';
import { type Storage, runKeys } from '../storage/index.js';
import { ffmpegFailure } from './failures.js';
import { withHeartbeat } from './heartbeat.js';
import { createMixActivity, isWholeWav } from './soundtrackMix.js';

export type { MixSoundtrackInput, MixedSoundtrack } from './soundtrackMix.js';

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

export const GENERATED_MUSIC_PROVIDER = 'generated-ambient';
/** A music URL must be audio by its first bytes (a container that can hold audio counts). */
const MUSIC_URL_ACCEPT = ['audio'] as const;

/** Where a fetched track waits (staged, so a dead worker's leftovers are cleaned) until decoded. */
const downloadKey = (runKey: string) => `runs/${runKey}/music-download.bin`;

export function createSoundtrackActivities({ storage, tools, fetcher }: SoundtrackDeps) {
  const cache = new GenerationCache(storage);
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
      if (await isWholeWav(storage, tools, musicRef, samples)) return made;
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
    const verify = verifyWav(tools, { samples: samplesFor(durationSec) });
    // The bed is a pure function of its graph: the same mood and length are generated once.
    const key = generationKey({ model: `bed:${GENERATED_MUSIC_PROVIDER}`, input: { bed, WAV_OUTPUT } });
    const hit = await cache.lookup(key);
    if (hit) return cache.restore(hit.files[0]!, musicRef, verify);
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
      verify,
    );
    await cache.remember(
      key,
      { model: GENERATED_MUSIC_PROVIDER, files: [{ ref: musicRef, filename: 'bed.wav' }] },
      verify,
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

  const { mixSoundtrack } = createMixActivity({ storage, tools });
  return { prepareMusic, mixSoundtrack };
}

type Progress = (fraction: number) => void;

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
