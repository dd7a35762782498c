/**
 * The only module that touches fluent-ffmpeg (archived upstream): if it ever has to go, this file
 * is the whole migration. Everything else describes work as plain data (`FfmpegJob`).
 */
import { execFile } from 'node:child_process';
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

  /** The tool ran out of disk space (its cause lines are in the message). */
  get noSpace(): boolean {
    return NO_SPACE.test(this.message) || NO_SPACE.test(this.stderrTail);
  }
}

const NO_SPACE = /no space left on device|ENOSPC/i;

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
        // The whole stderr is kept (stdoutLines: 0): the cause is often far above the last lines.
        const tail = lastLines(stderr ?? '', 8);
        const aborted = job.signal?.aborted ?? false;
        const causes = causeLines(stderr ?? '');
        const exit = /ffmpeg (exited with code \d+|was killed with signal \w+)/.exec(err.message)?.[0];
        const why = causes.length ? `${exit ?? 'ffmpeg stopped'}: ${causes.join(' | ')}` : err.message;
        reject(new FfmpegError(aborted ? 'ffmpeg was cancelled' : `ffmpeg failed: ${why}`, tail, aborted));
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

/** Lines of ffmpeg's stderr that say what went wrong, without progress chatter or the banner. */
const CAUSE =
  /no space left|error|invalid|failed|cannot|could not|unable|not found|no such|denied|partial file|corrupt|truncat|too big|missing|mismatch/i;
const MAX_CAUSES = 6;

/**
 * Runs one filter over one stream of `file`, discarding the output, and returns ffmpeg's log: where
 * analysis filters (silencedetect, showinfo) report what they found. A file ffmpeg cannot read is
 * an FfmpegError naming `what` (`audio`, `picture`) with ffmpeg's own causes.
 */
export async function filterLog(
  tools: MediaTools,
  file: string,
  job: { map: string; filter: { flag: '-af' | '-vf'; graph: string }; what: string; signal?: AbortSignal },
): Promise<string> {
  const run = await runTool(
    tools.ffmpeg,
    [
      '-nostdin',
      '-hide_banner',
      '-nostats',
      '-i',
      file,
      '-map',
      job.map,
      job.filter.flag,
      job.filter.graph,
      '-f',
      'null',
      '-',
    ],
    job.signal,
  );
  if (run.code !== 0) {
    throw new FfmpegError(
      `ffmpeg could not read the ${job.what} of ${file}: ${causeLines(run.stderr).join(' | ')}`,
      run.stderr,
    );
  }
  return run.stderr;
}

export function causeLines(stderr: string): string[] {
  const seen = new Set<string>();
  for (const raw of stderr.split(/\r?\n|\r/)) {
    // A progress line may carry the cause on its end ("frame= … speed=0x av_interleaved_write_frame(): …").
    const line = raw.replace(/^\s*(frame|size)=.*?speed=\s*\S+/, '').trim();
    if (!line || /^(configuration|built with|lib\w+)\b/.test(line)) continue;
    if (CAUSE.test(line)) seen.add(line);
  }
  const all = [...seen];
  // The first lines name the root cause, the last ones what ffmpeg gave up on; keep both ends.
  if (all.length <= MAX_CAUSES) return all;
  return [...all.slice(0, MAX_CAUSES / 2), '…', ...all.slice(-MAX_CAUSES / 2)];
}

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs ffmpeg or ffprobe to completion; a non-zero exit is reported in `code`, not thrown. */
export function runTool(file: string, args: string[], signal?: AbortSignal): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { signal, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      if (err && typeof code !== 'number') {
        const aborted = signal?.aborted ?? false;
        return reject(new FfmpegError(`${file} could not run: ${err.message}`, stderr, aborted));
      }
      resolve({ code: err ? (code as number) : 0, stdout, stderr });
    });
  });
}

function errorLines(run: ToolRun, tool: string): string[] {
  const lines = run.stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (run.code !== 0 && lines.length === 0) lines.push(`${tool} exited with code ${run.code}`);
  return lines;
}

export interface DecodeResult {
  /** ffmpeg's error lines (at `-v error`); a whole file decodes with none. */
  errors: string[];
  /** Video frames decoded (0 for audio). */
  frames: number;
  /** Media time decoded, from ffmpeg's own progress report. */
  durationSec: number;
}

/**
 * Decodes every stream of `file` to nowhere (`ffmpeg -v error -i file -f null -`). ffmpeg often
 * exits 0 on a damaged file and only says so on stderr, so callers must look at `errors`.
 */
export async function decodeMedia(tools: MediaTools, file: string, signal?: AbortSignal): Promise<DecodeResult> {
  const run = await runTool(
    tools.ffmpeg,
    ['-nostdin', '-hide_banner', '-v', 'error', '-nostats', '-progress', 'pipe:1', '-i', file, '-f', 'null', '-'],
    signal,
  );
  const last = (name: string) => {
    const values = [...run.stdout.matchAll(new RegExp(`^${name}=(\\d+)$`, 'gm'))];
    return Number(values.at(-1)?.[1] ?? 0);
  };
  return { errors: errorLines(run, 'ffmpeg'), frames: last('frame'), durationSec: last('out_time_us') / 1e6 };
}

export interface PacketCount {
  errors: string[];
  durationSec: number;
  streams: {
    type: ProbedStream['type'];
    durationSec: number;
    /** Packets the container's index promises (nb_frames), when it has one. */
    indexedPackets?: number;
    /** Packets that could actually be read from the file. */
    readPackets: number;
  }[];
}

/**
 * Reads every packet of `file` without decoding it (`ffprobe -count_packets`): cheap enough to run
 * after every render, and it notices a file whose data stops before its index says it should.
 */
export async function countPackets(tools: MediaTools, file: string, signal?: AbortSignal): Promise<PacketCount> {
  const run = await runTool(
    tools.ffprobe,
    [
      '-hide_banner',
      '-v',
      'error',
      '-count_packets',
      '-show_entries',
      'format=duration:stream=codec_type,duration,nb_frames,nb_read_packets',
      '-of',
      'json',
      file,
    ],
    signal,
  );
  const data = (run.code === 0 ? JSON.parse(run.stdout || '{}') : {}) as {
    format?: { duration?: string };
    streams?: { codec_type?: string; duration?: string; nb_frames?: string; nb_read_packets?: string }[];
  };
  const num = (v: string | undefined) => (v === undefined || v === 'N/A' ? undefined : Number(v));
  return {
    errors: errorLines(run, 'ffprobe'),
    durationSec: num(data.format?.duration) ?? 0,
    streams: (data.streams ?? []).map((s) => ({
      type: s.codec_type === 'video' || s.codec_type === 'audio' ? s.codec_type : 'other',
      durationSec: num(s.duration) ?? 0,
      indexedPackets: num(s.nb_frames),
      readPackets: num(s.nb_read_packets) ?? 0,
    })),
  };
}
