/**
 * The first step of a long video, on the main queue: take the source in (fetched through the safe
 * fetcher, or an upload already in storage), check it is a recording ffmpeg can read with the
 * streams the task needs, and cut its audio into chunks at silences near every `chunkSec`, by
 * stream copy. Idempotent: the plan is written last, and a retry that finds it returns it.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { mkdir, rename, rm } from 'node:fs/promises';
import { ErrorTypes, failure } from '../../domain/errors.js';
import { type LongVideoPlan, type LongVideoTask, fetchedSourceRef } from '../../domain/longVideo.js';
import { detectSilences } from '../../media/chunks/silence.js';
import { planCuts, splitByCopy } from '../../media/chunks/split.js';
import { type MediaTools, type ProbeResult, decodeMedia, probeMedia } from '../../media/ffmpeg.js';
import { verifyAudio } from '../../media/verify.js';
import { SafeFetchError, type SafeFetcher } from '../../net/safeFetch.js';
import { IncompleteAssetError, type Storage } from '../../storage/index.js';
import { ffmpegFailure } from '../failures.js';
import { withHeartbeat } from '../heartbeat.js';

export interface PrepareLongVideoInput {
  runKey: string;
  source: { url?: string; ref?: string };
  chunkSec: number;
  task: LongVideoTask;
  /** custom: what each chunk holds (audio unless the picture is asked for). */
  media?: 'audio' | 'video';
}

export const longVideoKeys = {
  source: fetchedSourceRef,
  plan: (runKey: string) => `videos/${runKey}/plan.json`,
  chunk: (runKey: string, index: number, ext: string) => `videos/${runKey}/chunks/${pad(index)}.${ext}`,
  chunkTranscript: (runKey: string, index: number) => `videos/${runKey}/transcripts/${pad(index)}.json`,
  transcript: (runKey: string, ext: 'json' | 'srt' | 'vtt') => `videos/${runKey}/transcript.${ext}`,
  sceneDescription: (runKey: string, index: number) => `videos/${runKey}/descriptions/${pad(index)}.json`,
  chunkOutput: (runKey: string, index: number) => `videos/${runKey}/outputs/${pad(index)}.json`,
  outputs: (runKey: string) => `videos/${runKey}/outputs.json`,
  outputFile: (runKey: string, index: number, k: number, ext: string) =>
    `videos/${runKey}/outputs/${pad(index)}-${k}.${ext}`,
};

const pad = (n: number) => String(n).padStart(3, '0');

/** Audio copied out as it is: AAC in an M4A, MP3 as MP3, anything else in Matroska. */
function audioExtension(codec: string): string {
  if (codec === 'aac') return 'm4a';
  if (codec === 'mp3') return 'mp3';
  return 'mka';
}

export function createPrepareActivities({
  storage,
  tools,
  fetcher,
}: {
  storage: Storage;
  tools: MediaTools;
  fetcher: SafeFetcher;
}) {
  async function prepareLongVideo(input: PrepareLongVideoInput): Promise<LongVideoPlan> {
    const planRef = longVideoKeys.plan(input.runKey);
    if (await storage.exists(planRef)) return JSON.parse((await storage.read(planRef)).toString('utf8'));
    const ctx = Context.current();
    const began = Date.now();
    const sourceRef = input.source.ref ?? longVideoKeys.source(input.runKey);
    try {
      return await withHeartbeat(async (progress) => {
        if (input.source.url !== undefined && !(await storage.exists(sourceRef))) {
          await fetchSource(input.source.url, sourceRef);
        }
        progress(0.2);
        const file = storage.localPath(sourceRef);
        const probe = await readable(file);
        const audio = probe.streams.find((s) => s.type === 'audio');
        if (input.task === 'scenes' || input.media === 'video') {
          return await cutPicture(input, file, probe, progress, began);
        }
        if (!audio) {
          throw failure(
            ErrorTypes.InvalidInput,
            input.task === 'custom'
              ? 'The video has no audio track, so it has no audio chunks; send a video with sound or ask for "media": "video".'
              : 'The video has no audio track, so there is nothing to transcribe; send a video with sound.',
          );
        }
        const silences = await detectSilences(tools, file, probe.durationSec, { signal: ctx.cancellationSignal });
        progress(0.6);
        const cuts = planCuts(probe.durationSec, input.chunkSec, silences);
        const ext = audioExtension(audio.codec);
        return await splitInto(input, file, probe, { cuts, ext, stream: 'a', signal: ctx.cancellationSignal }, began);
      });
    } catch (err) {
      throw ffmpegFailure(err, ctx, ErrorTypes.InvalidInput, planRef, 'Preparing the video failed');
    }
  }

  /** The picture cut into chunks at keyframes near every `chunkSec`, by stream copy (Matroska holds any codec). */
  async function cutPicture(
    input: PrepareLongVideoInput,
    file: string,
    probe: ProbeResult,
    progress: (f: number) => void,
    began: number,
  ): Promise<LongVideoPlan> {
    if (!probe.streams.some((s) => s.type === 'video')) {
      throw failure(
        ErrorTypes.InvalidInput,
        input.task === 'custom'
          ? 'The file has no picture, so it has no video chunks; send a video or ask for "media": "audio".'
          : 'The file has no picture, so it has no scenes; send a video.',
      );
    }
    const ctx = Context.current();
    const cuts = planCuts(probe.durationSec, input.chunkSec, []);
    progress(0.5);
    return splitInto(input, file, probe, { cuts, ext: 'mkv', stream: 'v', signal: ctx.cancellationSignal }, began);
  }

  /** Copies the stream out chunk by chunk, stores each checked whole, and writes the plan last. */
  async function splitInto(
    input: PrepareLongVideoInput,
    file: string,
    probe: ProbeResult,
    how: { cuts: number[]; ext: string; stream: 'a' | 'v'; signal: AbortSignal },
    began: number,
  ): Promise<LongVideoPlan> {
    const dir = storage.localPath(`videos/${input.runKey}/split-${Context.current().info.attempt}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    try {
      const pieces = await splitByCopy(tools, file, { ...how, dir });
      const verify = how.stream === 'a' ? verifyAudio(tools) : verifyPicture;
      const chunks = [];
      for (const [index, piece] of pieces.entries()) {
        const ref = longVideoKeys.chunk(input.runKey, index, how.ext);
        await storage.put(ref, (temp) => rename(piece.file, temp), verify);
        chunks.push({ index, ref, startSec: piece.startSec, endSec: piece.endSec });
      }
      const plan: LongVideoPlan = {
        durationSec: probe.durationSec,
        hasVideo: probe.streams.some((s) => s.type === 'video'),
        chunks,
        splitSeconds: (Date.now() - began) / 1000,
      };
      await storage.write(longVideoKeys.plan(input.runKey), JSON.stringify(plan));
      return plan;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A picture chunk must decode whole, to at least one frame. */
  async function verifyPicture(file: string): Promise<void> {
    const decoded = await decodeMedia(tools, file);
    if (decoded.errors.length > 0 || decoded.frames < 1) {
      throw new IncompleteAssetError(
        `the video chunk does not decode whole: ${decoded.errors.slice(0, 2).join(' | ') || 'no frames'}`,
      );
    }
  }

  async function readable(file: string): Promise<ProbeResult> {
    const probe = await probeMedia(tools, file).catch(() => undefined);
    if (!probe || probe.sizeBytes === 0 || !(probe.durationSec > 0) || probe.streams.length === 0) {
      throw failure(
        ErrorTypes.InvalidInput,
        'The file is not a video or recording ffmpeg can read (empty, truncated, or another kind of file).',
      );
    }
    return probe;
  }

  async function fetchSource(url: string, ref: string): Promise<void> {
    const signal = Context.current().cancellationSignal;
    const staged = await storage.stage(ref);
    try {
      await fetcher.download(url, staged.tempPath, { accept: ['video', 'audio'], signal });
      await staged.commit(async () => undefined); // checked whole by the probe that follows
    } catch (err) {
      await staged.discard();
      if (err instanceof SafeFetchError) {
        throw ApplicationFailure.create({
          type: err.retryable ? ErrorTypes.SourceUnavailable : ErrorTypes.InvalidInput,
          nonRetryable: !err.retryable,
          message: `The video at "url" could not be fetched: ${err.message}`,
          details: [{ reason: err.code }],
        });
      }
      throw err;
    }
  }

  return { prepareLongVideo };
}
