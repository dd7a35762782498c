/**
 * Real speech for the emulator: espeak-ng speaks each speech piece on its own (see alignment.ts),
 * we cut its leading and trailing silence, lay the pieces end to end with pauses of our own
 * choosing, and ffmpeg encodes the result in the requested format. Because we place every sample
 * ourselves, the character timings are exact for this audio, not estimated.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layout, normalizeAlignment, pauseMs, splitText, type CharacterAlignment } from './alignment.js';
import type { OutputFormat } from './formats.js';
import type { PauseConfig } from './options.js';

/** espeak-ng's native rate; everything is assembled at it and resampled once by ffmpeg. */
export const SAMPLE_RATE = 22_050;
/** |sample| above 1 % of full scale counts as sound. */
const AUDIBLE = 328;
/** Kept on each side of a word's audible part, so onsets and releases are not clipped. */
const MARGIN = Math.round(SAMPLE_RATE * 0.01);
/** A piece espeak-ng has no sound for still gets a little time, so its characters get a span. */
const SILENT_PIECE = Math.round(SAMPLE_RATE * 0.08);
/** espeak-ng processes at a time: the emulator shares 2 cores with the code under test. */
const PARALLEL = 2;
const CACHE_ENTRIES = 600;

export interface SpeakRequest {
  text: string;
  /** e.g. "en-us+f3". */
  espeakVoice: string;
  wordsPerMinute: number;
  format: OutputFormat;
}

export interface Speech {
  audio: Buffer;
  alignment: CharacterAlignment;
  normalizedAlignment: CharacterAlignment;
  durationSec: number;
}

export class Synthesizer {
  /** Trimmed clips by voice, speed and word: narration repeats words, and the output must repeat. */
  private readonly cache = new Map<string, Int16Array>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly tools: { espeak: string; ffmpeg: string },
    private readonly pauses: PauseConfig,
  ) {}

  async speak(req: SpeakRequest): Promise<Speech> {
    const pieces = splitText(req.text);
    const clips = await Promise.all(
      pieces.map((p) => (p.kind === 'speech' ? this.word(p.chars.join(''), req) : undefined)),
    );
    const lengths = pieces.map(
      (p, i) => clips[i]?.length ?? Math.round((pauseMs(p, this.pauses) * SAMPLE_RATE) / 1000),
    );
    const total = lengths.reduce((a, b) => a + b, 0);
    // An empty text still gets a short, valid file (the API answers 200 with silence).
    const pcm = new Int16Array(Math.max(total, SILENT_PIECE));
    let at = 0;
    pieces.forEach((_, i) => {
      const clip = clips[i];
      if (clip) pcm.set(clip, at);
      at += lengths[i]!;
    });
    const alignment = layout(pieces, lengths, SAMPLE_RATE);
    const audio = await this.encode(pcm, req.format);
    return {
      audio,
      alignment,
      normalizedAlignment: normalizeAlignment(alignment),
      durationSec: pcm.length / SAMPLE_RATE,
    };
  }

  private async word(text: string, req: SpeakRequest): Promise<Int16Array> {
    const key = `${req.espeakVoice}|${req.wordsPerMinute}|${text}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key); // re-insert: Map order is our LRU order
      this.cache.set(key, hit);
      return hit;
    }
    const wav = await this.limited(() =>
      run(
        this.tools.espeak,
        ['-v', req.espeakVoice, '-s', String(req.wordsPerMinute), '-b', '1', '--stdout', '--stdin'],
        // Text through stdin, never argv: no option injection from a request body.
        Buffer.from(text, 'utf8'),
      ),
    );
    const clip = trim(wavSamples(wav));
    this.cache.set(key, clip);
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return clip;
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    while (this.running >= PARALLEL) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** Through a file, not a pipe: ffmpeg can then write the MP3's Xing/LAME header (gapless info). */
  private async encode(pcm: Int16Array, format: OutputFormat): Promise<Buffer> {
    const dir = await mkdtemp(join(tmpdir(), 'elevenlabs-emu-'));
    const out = join(dir, `speech.${format.extension}`);
    try {
      const input = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
      const args = ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', '1'];
      await run(this.tools.ffmpeg, [...args, '-i', 'pipe:0', ...format.ffmpegArgs, '-y', out], input);
      return await readFile(out);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** The 16-bit mono samples of espeak-ng's WAV (its header sizes are placeholders on a pipe). */
function wavSamples(wav: Buffer): Int16Array {
  let offset = 12;
  while (offset + 8 <= wav.length && wav.toString('ascii', offset, offset + 4) !== 'data') {
    offset += 8 + wav.readUInt32LE(offset + 4);
  }
  const start = offset + 8;
  const count = Math.max(0, Math.floor((wav.length - start) / 2));
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i++) samples[i] = wav.readInt16LE(start + i * 2);
  return samples;
}

function trim(samples: Int16Array): Int16Array {
  let first = 0;
  while (first < samples.length && Math.abs(samples[first]!) <= AUDIBLE) first++;
  if (first === samples.length) return new Int16Array(SILENT_PIECE);
  let last = samples.length - 1;
  while (last > first && Math.abs(samples[last]!) <= AUDIBLE) last--;
  return samples.slice(Math.max(0, first - MARGIN), Math.min(samples.length, last + 1 + MARGIN));
}

function run(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim().slice(-500) || 'no message'}`));
    });
    child.stdin.on('error', () => {}); // an early exit is reported by 'close'
    child.stdin.end(input);
  });
}
