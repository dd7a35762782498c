import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Language } from '../domain/shortRequest.js';
import type { WordTiming } from '../domain/words.js';
import { readHead, wavLayout } from '../media/verify.js';
import { LevelMeter, alignmentUnits, estimateWordTimings, ssmlWithBreaks } from './espeakAlignment.js';
import type { NarrationProvider } from './types.js';

const VOICE_BY_LANGUAGE: Record<Language, string> = {
  en: 'en-us',
  ru: 'ru',
  zh: 'cmn',
  ko: 'ko',
  ja: 'ja',
};

export class ToolNotFoundError extends Error {
  override name = 'ToolNotFoundError';
}

/**
 * Offline narration with espeak-ng: robotic, but real speech in every language we accept. It also
 * returns word timings, measured from a second, SSML rendition with breaks between the words
 * (espeakAlignment.ts); they are `estimated`, and a clip whose words cannot be measured still counts.
 */
export function createEspeakProvider({
  espeakPath,
  wordsPerMinute = 160,
}: {
  espeakPath: string;
  wordsPerMinute?: number;
}): NarrationProvider {
  // `speed` scales the pace like the other voices' speed settings do (espeak-ng takes 80–450 wpm).
  const voiceArgs = (voice: string, speed = 1) => [
    '-v',
    voice,
    '-s',
    String(Math.round(Math.min(450, Math.max(80, wordsPerMinute * speed)))),
    '-b',
    '1',
  ];
  return {
    name: 'espeak-ng',
    offline: true,
    voiceFor(language, voice) {
      return voice ?? VOICE_BY_LANGUAGE[language];
    },
    async synthesize({ text, voice: chosen, language, speed, outPath, signal }) {
      // The WAV comes back on stdout and Node writes it: espeak-ng's own -w exits 0 with a cut-off
      // file when the disk fills up, while our write stream fails with ENOSPC.
      const args = voiceArgs(chosen, speed);
      await runEspeak(espeakPath, args, text, createWriteStream(outPath), signal, chosen);
      await finishWavHeader(outPath);
      const words = await measureWords(espeakPath, args, text, language, outPath, signal, chosen);
      return words.length ? { words, wordsSource: 'estimated' } : {};
    },
  };
}

/**
 * Speaks `text` (plain, or SSML with `-m` in `args`) into `sink`. Text goes through stdin, never
 * argv: no length limit, no option injection from a story.
 */
async function runEspeak(
  espeakPath: string,
  args: string[],
  text: string,
  sink: Writable,
  signal: AbortSignal,
  voice: string,
): Promise<void> {
  const child = spawn(espeakPath, [...args, '--stdout', '--stdin'], { signal, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') reject(new ToolNotFoundError(`espeak-ng was not found at "${espeakPath}"`));
      else reject(err);
    });
    child.on('close', resolve);
  });
  exited.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  child.stdin.on('error', () => {}); // an early exit is reported by 'close'
  child.stdin.end(text);
  try {
    await pipeline(child.stdout, sink);
  } catch (err) {
    child.kill('SIGKILL');
    const exitError = await exited.then(
      () => undefined,
      (e: unknown) => e,
    );
    throw exitError instanceof ToolNotFoundError ? exitError : err;
  }
  const code = await exited;
  if (code !== 0) {
    throw new Error(`espeak-ng exited with ${code}: ${stderr.trim() || 'no message'} (voice "${voice}")`);
  }
}

/**
 * Word timings for the clip at `clipPath`: the words spoken once more with breaks between them, both
 * clips measured as they stream (see espeakAlignment.ts). The clip is fine without them, so a failure
 * here gives no timings (captions then fall back to text length); a cancellation still cancels.
 */
async function measureWords(
  espeakPath: string,
  args: string[],
  text: string,
  language: Language,
  clipPath: string,
  signal: AbortSignal,
  voice: string,
): Promise<WordTiming[]> {
  const units = alignmentUnits(text, language);
  if (units.length === 0) return [];
  try {
    const measuring = new LevelMeter();
    await runEspeak(espeakPath, [...args, '-m'], ssmlWithBreaks(units), measuring, signal, voice);
    const natural = new LevelMeter();
    await pipeline(createReadStream(clipPath), natural, { signal });
    return estimateWordTimings(units, natural.result(), measuring.result());
  } catch (err) {
    if (signal.aborted) throw signal.reason ?? err;
    return [];
  }
}

/**
 * espeak-ng cannot seek back on a pipe, so its WAV header on stdout carries placeholder sizes; once
 * the whole stream is on disk, write the real ones (the verifier then checks them against the file).
 */
async function finishWavHeader(file: string): Promise<void> {
  const wav = wavLayout(await readHead(file));
  const handle = await open(file, 'r+');
  try {
    const { size } = await handle.stat();
    const sizes = Buffer.alloc(4);
    sizes.writeUInt32LE(size - 8);
    await handle.write(sizes, 0, 4, 4);
    sizes.writeUInt32LE(size - wav.dataOffset - 8);
    await handle.write(sizes, 0, 4, wav.dataOffset + 4);
  } finally {
    await handle.close();
  }
}
