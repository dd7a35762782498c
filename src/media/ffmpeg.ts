/**
 * The only module that touches fluent-ffmpeg (archived upstream): if it ever has to go, this file
 * is the whole migration. Everything else describes work as plain data (`FfmpegJob`).
 */
import ffmpeg from 'fluent-ffmpeg';

export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
}

export interface FfmpegInput {
  path: string;
  options?: string[];
}

export interface FfmpegJob {
  inputs: FfmpegInput[];
  filterGraph?: string;
  outputOptions: string[];
  output: string;
  /** Working directory, so filter arguments can name files without path escaping. */
  cwd?: string;
  /** Length of the output, to turn ffmpeg's time marks into a fraction. */
  expectedDurationSec?: number;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export class FfmpegError extends Error {
  override name = 'FfmpegError';
  constructor(
    message: string,
    readonly stderrTail: string,
    readonly aborted = false,
  ) {
    super(message);
  }
}

export function runFfmpeg(tools: MediaTools, job: FfmpegJob): Promise<void> {
  return new Promise((resolve, reject) => {
    if (job.signal?.aborted) return reject(new FfmpegError('ffmpeg was cancelled before it started', '', true));
    const command = ffmpeg({ cwd: job.cwd, stdoutLines: 0 }).setFfmpegPath(tools.ffmpeg);
    for (const input of job.inputs) command.input(input.path).inputOptions(input.options ?? []);
    if (job.filterGraph) command.complexFilter(job.filterGraph);
    command.outputOptions(job.outputOptions).output(job.output);

    const onAbort = () => command.kill('SIGKILL');
    job.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => job.signal?.removeEventListener('abort', onAbort);

    command
      .on('progress', (p: { timemark?: string }) => {
        if (!job.onProgress || !job.expectedDurationSec || !p.timemark) return;
        job.onProgress(Math.min(1, Math.max(0, timemarkSeconds(p.timemark) / job.expectedDurationSec)));
      })
      .on('end', () => {
        done();
        resolve();
      })
      .on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
        done();
        const tail = lastLines(stderr ?? '', 8);
        const aborted = job.signal?.aborted ?? false;
        reject(new FfmpegError(aborted ? 'ffmpeg was cancelled' : `ffmpeg failed: ${err.message}`, tail, aborted));
      })
      .run();
  });
}

export interface ProbedStream {
  type: 'video' | 'audio' | 'other';
  codec: string;
  width?: number;
  height?: number;
  fps?: number;
  pixelFormat?: string;
  sampleRate?: number;
  channels?: number;
}

export interface ProbeResult {
  durationSec: number;
  sizeBytes: number;
  formatName: string;
  streams: ProbedStream[];
}

export function probeMedia(tools: MediaTools, file: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    ffmpeg.setFfprobePath(tools.ffprobe);
    ffmpeg.ffprobe(file, (err: Error | null, data: ffmpeg.FfprobeData) => {
      if (err) return reject(new FfmpegError(`ffprobe could not read ${file}: ${err.message}`, ''));
      resolve({
        durationSec: Number(data.format.duration ?? 0),
        sizeBytes: Number(data.format.size ?? 0),
        formatName: data.format.format_name ?? '',
        streams: data.streams.map((s) => ({
          type: s.codec_type === 'video' || s.codec_type === 'audio' ? s.codec_type : 'other',
          codec: s.codec_name ?? '',
          width: s.width,
          height: s.height,
          fps: s.codec_type === 'video' ? parseRate(s.avg_frame_rate ?? s.r_frame_rate) : undefined,
          pixelFormat: s.pix_fmt,
          sampleRate: s.sample_rate ? Number(s.sample_rate) : undefined,
          channels: s.channels,
        })),
      });
    });
  });
}

function timemarkSeconds(mark: string): number {
  return mark.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

function parseRate(rate: string | undefined): number | undefined {
  if (!rate) return undefined;
  const [num, den] = rate.split('/').map(Number);
  if (!num || !den) return undefined;
  return Math.round((num / den) * 1000) / 1000;
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
