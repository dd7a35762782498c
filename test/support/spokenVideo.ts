/**
 * Long test videos that really speak: words of the emulator's vocabulary said by espeak-ng (the
 * same voice the emulator measured them in) at chosen times over silence, under a tiny black
 * picture, encoded as H.264 + AAC like a real upload. What is said where is known only to the test;
 * the emulator hears it from the audio.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { detectSilences, soundingIntervals } from '../../src/media/chunks/silence.js';
import { probeMedia } from '../../src/media/ffmpeg.js';
import { MediaTools } from '../../src/emulators/replicate/tools.js';
import { VOCABULARY_VOICE, Vocabulary, recognizableWords } from '../../src/emulators/replicate/transcribe.js';

const run = promisify(execFile);
const RATE = 16_000;
const tools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

export interface SpokenWord {
  word: string;
  /** When it starts to sound in the video, and stops (seconds). */
  start: number;
  end: number;
}

/** Words the emulator tells apart (their espeak-ng lengths lie far enough from each other). */
export async function distinctWords(): Promise<string[]> {
  return recognizableWords(
    await new Vocabulary(new MediaTools({ ffmpeg: 'ffmpeg', espeak: 'espeak-ng' })).soundingLengths(),
    0.1,
  );
}

/** 16 kHz mono PCM of one word, cut to where it sounds. */
async function spoken(dir: string, word: string): Promise<Int16Array> {
  const wav = path.join(dir, `${word}.wav`);
  const text = path.join(dir, `${word}.txt`);
  await writeFile(text, word);
  await run('espeak-ng', [...VOCABULARY_VOICE, '-f', text, '-w', wav]);
  const { durationSec } = await probeMedia(tools, wav);
  const sounding = soundingIntervals(await detectSilences(tools, wav, durationSec), durationSec);
  const raw = path.join(dir, `${word}.raw`);
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    wav,
    '-ss',
    String(sounding[0]!.start),
    '-to',
    String(sounding.at(-1)!.end),
    '-ar',
    String(RATE),
    '-ac',
    '1',
    '-f',
    's16le',
    raw,
  ]);
  const bytes = await readFile(raw);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
}

/**
 * An MP4 of `durationSec` saying `words` at their times (`at` is where each starts to sound).
 * With `audio: false`, the same picture without a sound track; `picture` is another lavfi source
 * (at least `durationSec` long).
 */
export async function makeSpokenVideo(
  file: string,
  durationSec: number,
  words: readonly { word: string; at: number }[],
  { audio = true, picture }: { audio?: boolean; picture?: string } = {},
): Promise<SpokenWord[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'spoken-'));
  try {
    const pcm = new Int16Array(Math.ceil(durationSec * RATE));
    const cache = new Map<string, Int16Array>();
    const said: SpokenWord[] = [];
    for (const { word, at } of words) {
      if (!cache.has(word)) cache.set(word, await spoken(dir, word));
      const samples = cache.get(word)!;
      pcm.set(samples, Math.round(at * RATE));
      said.push({ word, start: at, end: at + samples.length / RATE });
    }
    const raw = path.join(dir, 'speech.raw');
    await writeFile(raw, Buffer.from(pcm.buffer));
    const pictureIn = ['-f', 'lavfi', '-i', picture ?? `color=c=black:s=64x36:r=2:d=${durationSec}`];
    const sound = audio ? ['-f', 's16le', '-ar', String(RATE), '-ac', '1', '-i', raw] : [];
    await run(
      'ffmpeg',
      [
        '-v',
        'error',
        '-y',
        ...pictureIn,
        ...sound,
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-g',
        '60',
        '-pix_fmt',
        'yuv420p',
        ...(audio ? ['-c:a', 'aac', '-b:a', '32k', '-ar', String(RATE), '-ac', '1'] : []),
        '-t',
        String(durationSec),
        '-movflags',
        '+faststart',
        file,
      ],
      { maxBuffer: 8 * 1024 * 1024 },
    );
    return said;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Scenes of plain colour, each far from the next in brightness (ffmpeg's scene score reads luma):
 * changes at 50, 130, 250 and 290 s of 360; `name` is the colour's name in words.
 */
export const COLOURS = [
  { colour: '#d02020', sec: 50, name: 'red' },
  { colour: '#80c0ff', sec: 80, name: 'blue' },
  { colour: '#106010', sec: 120, name: 'green' },
  { colour: '#e0e020', sec: 40, name: 'yellow' },
  { colour: '#101010', sec: 70, name: 'black' },
] as const;

/** A silent MP4 of plain colour blocks (`#rrggbb`, seconds each): its scene changes are where the colour does. */
export async function makeColourVideo(file: string, blocks: readonly { colour: string; sec: number }[]): Promise<void> {
  const inputs = blocks.flatMap((b) => [
    '-f',
    'lavfi',
    '-i',
    `color=c=${b.colour.replace('#', '0x')}:s=64x36:r=2:d=${b.sec}`,
  ]);
  const graph = `${blocks.map((_, i) => `[${i}]`).join('')}concat=n=${blocks.length}:v=1[v]`;
  await run('ffmpeg', [
    ...['-v', 'error', '-y', ...inputs, '-filter_complex', graph, '-map', '[v]'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p', file],
  ]);
}
