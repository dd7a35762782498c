/**
 * The real tools behind the emulator's media: ffmpeg (through the project's one fluent-ffmpeg
 * module) and espeak-ng, at most two jobs at a time (the emulator shares two cores with the code
 * under test), each in a temporary directory that is removed afterwards.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FfmpegJob, runFfmpeg } from '../../media/ffmpeg.js';

const PARALLEL = 2;

export interface ToolPaths {
  ffmpeg: string;
  espeak: string;
  /** Default: `ffprobe` on PATH. */
  ffprobe?: string;
}

/** A job's scratch directory: write inputs, run tools, read the output. */
export interface Workspace {
  dir: string;
  ffmpegPath: string;
  ffprobePath: string;
  path(name: string): string;
  write(name: string, data: Buffer | string): Promise<string>;
  read(name: string): Promise<Buffer>;
  ffmpeg(job: Omit<FfmpegJob, 'cwd'>): Promise<void>;
  /** espeak-ng speaks the file `textFile` into the WAV `wavFile` (text never goes on argv). */
  espeak(args: readonly string[], textFile: string, wavFile: string): Promise<void>;
}

export class MediaTools {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly paths: ToolPaths) {}

  /** Runs `task` in a fresh workspace once a slot is free. */
  async work<T>(task: (ws: Workspace) => Promise<T>): Promise<T> {
    while (this.running >= PARALLEL) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    const dir = await mkdtemp(join(tmpdir(), 'replicate-emu-'));
    try {
      return await task(this.workspace(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private workspace(dir: string): Workspace {
    const path = (name: string) => join(dir, name);
    const tools = { ffmpeg: this.paths.ffmpeg, ffprobe: this.paths.ffprobe ?? 'ffprobe' };
    return {
      dir,
      ffmpegPath: tools.ffmpeg,
      ffprobePath: tools.ffprobe,
      path,
      write: async (name, data) => {
        await writeFile(path(name), data);
        return path(name);
      },
      read: (name) => readFile(path(name)),
      ffmpeg: (job) => runFfmpeg(tools, { ...job, cwd: dir }),
      espeak: (args, textFile, wavFile) =>
        new Promise((resolve, reject) => {
          execFile(this.paths.espeak, [...args, '-f', path(textFile), '-w', path(wavFile)], (err, _out, stderr) => {
            if (err) reject(new Error(`espeak-ng failed: ${String(stderr).trim() || err.message}`));
            else resolve();
          });
        }),
    };
  }
}
