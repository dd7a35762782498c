/**
 * The loudness of an espeak-ng WAV frame by frame, measured as it streams, and the runs of sound
 * between its silences: what the words of a clip are matched to (espeakWordPlacement.ts).
 */
import { Writable } from 'node:stream';

export interface SoundRun {
  startSec: number;
  endSec: number;
}

/** Loudness of a clip in short frames. */
export interface Levels {
  frameSec: number;
  /** RMS level of each frame in dBFS (digital silence is -120). */
  db: Float32Array;
}

/** A frame quieter than this is silence. espeak-ng writes digital silence in its pauses. */
const SILENCE_DB = -55;
const FRAME_SEC = 0.005;

/**
 * Measures the level of a 16-bit PCM WAV stream frame by frame, as the bytes arrive: a clip with
 * many breaks is long, and only one number per 5 ms is kept. The header may carry placeholder sizes
 * (espeak-ng on a pipe); everything after the `data` chunk header is taken as samples.
 */
export class LevelMeter extends Writable {
  private head = Buffer.alloc(0);
  private carry = Buffer.alloc(0);
  private sampleRate = 0;
  private channels = 1;
  private frameSamples = 0;
  private acc = 0;
  private inFrame = 0;
  private readonly levels: number[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private consume(chunk: Buffer): void {
    let data = chunk;
    if (this.sampleRate === 0) {
      this.head = Buffer.concat([this.head, chunk]);
      const start = this.parseHeader();
      if (start === undefined) return;
      data = this.head.subarray(start);
      this.head = Buffer.alloc(0);
    }
    if (this.carry.length) data = Buffer.concat([this.carry, data]);
    const frameBytes = 2 * this.channels;
    const whole = data.length - (data.length % frameBytes);
    for (let at = 0; at < whole; at += frameBytes) {
      let sum = 0;
      for (let c = 0; c < this.channels; c++) sum += data.readInt16LE(at + 2 * c);
      const v = sum / this.channels / 32768;
      this.acc += v * v;
      if (++this.inFrame === this.frameSamples) this.closeFrame();
    }
    this.carry = Buffer.from(data.subarray(whole));
  }

  /** Where the samples start, once the header is complete. */
  private parseHeader(): number | undefined {
    const h = this.head;
    if (h.length < 12) return undefined;
    if (h.toString('latin1', 0, 4) !== 'RIFF' || h.toString('latin1', 8, 12) !== 'WAVE') {
      throw new Error('not a WAV stream');
    }
    for (let at = 12; at + 8 <= h.length;) {
      const id = h.toString('latin1', at, at + 4);
      const size = h.readUInt32LE(at + 4);
      if (id === 'fmt ') {
        if (at + 24 > h.length) return undefined;
        const format = h.readUInt16LE(at + 8);
        this.channels = h.readUInt16LE(at + 10);
        const rate = h.readUInt32LE(at + 12);
        const bits = h.readUInt16LE(at + 22);
        if ((format !== 1 && format !== 0xfffe) || bits !== 16 || this.channels < 1) {
          throw new Error(`unsupported WAV (format ${format}, ${bits} bits)`);
        }
        this.sampleRate = rate;
      } else if (id === 'data') {
        if (this.sampleRate === 0) throw new Error('WAV data before its format');
        this.frameSamples = Math.max(1, Math.round(this.sampleRate * FRAME_SEC));
        return at + 8;
      }
      at += 8 + size + (size % 2);
    }
    this.sampleRate = 0; // the fmt chunk may have been seen; wait for the data chunk
    return undefined;
  }

  private closeFrame(): void {
    const rms = this.acc / this.inFrame;
    this.levels.push(rms > 1e-12 ? 10 * Math.log10(rms) : -120);
    this.acc = 0;
    this.inFrame = 0;
  }

  /** The levels so far (call after the stream finished). */
  result(): Levels {
    if (this.inFrame > 0) this.closeFrame();
    if (this.frameSamples === 0) throw new Error('the WAV stream ended before its samples');
    return { frameSec: this.frameSamples / this.sampleRate, db: Float32Array.from(this.levels) };
  }
}

/** Runs of sound separated by silences of at least `minGapSec`; blips shorter than 20 ms are dropped. */
export function soundRuns({ frameSec, db }: Levels, minGapSec: number): SoundRun[] {
  const runs: SoundRun[] = [];
  let start = -1;
  let lastLoud = -1;
  const gapFrames = Math.max(1, Math.round(minGapSec / frameSec));
  const close = () => {
    if (start >= 0 && (lastLoud + 1 - start) * frameSec >= 0.02) {
      runs.push({ startSec: start * frameSec, endSec: (lastLoud + 1) * frameSec });
    }
  };
  for (let i = 0; i < db.length; i++) {
    if (db[i]! < SILENCE_DB) continue;
    if (start >= 0 && i - lastLoud - 1 >= gapFrames) {
      close();
      start = -1;
    }
    if (start < 0) start = i;
    lastLoud = i;
  }
  close();
  return runs;
}
