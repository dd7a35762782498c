/**
 * The emulator's speech recognition (WhisperX-shaped output): it really listens. The audio's
 * sounding stretches are found with ffmpeg's silencedetect, and each is heard as the word of a
 * small closed vocabulary whose espeak-ng recording lasts most nearly as long (the test videos
 * speak those words with espeak-ng, so the words are really there, at times only the audio knows).
 * Words closer than a pause apart form one segment. Deterministic: the same audio, the same text.
 */
import { type MediaTools as RealTools, probeMedia } from '../../media/ffmpeg.js';
import { detectSilences, soundingIntervals } from '../../media/chunks/silence.js';
import type { MediaTools, Workspace } from './tools.js';

/**
 * English words espeak-ng says clearly, from one syllable to eight, whose sounding lengths lie at
 * least 0.1 s apart (0.35 s to 1.3 s), so each is heard as itself after any audio encoding.
 */
export const SPOKEN_VOCABULARY = [
  'yes',
  'hello',
  'telephone',
  'watermelon',
  'university',
  'communication',
  'photosynthesis',
  'internationalization',
] as const;

/** espeak-ng's voice and rate for the vocabulary: the test videos must speak them the same way. */
export const VOCABULARY_VOICE = ['-v', 'en', '-s', '160'];
/** A pause longer than this between two words starts a new segment. */
const SEGMENT_GAP_SEC = 1;

export interface HeardWord {
  word: string;
  start: number;
  end: number;
  score: number;
}

/** How long each vocabulary word sounds when espeak-ng says it (measured once per emulator). */
export class Vocabulary {
  private lengths?: Promise<Map<string, number>>;

  constructor(private readonly tools: MediaTools) {}

  soundingLengths(): Promise<Map<string, number>> {
    this.lengths ??= this.measure();
    return this.lengths;
  }

  private async measure(): Promise<Map<string, number>> {
    const lengths = new Map<string, number>();
    for (const word of SPOKEN_VOCABULARY) {
      const seconds = await this.tools.work(async (ws) => {
        await ws.write('word.txt', word);
        await ws.espeak(VOCABULARY_VOICE, 'word.txt', 'word.wav');
        return soundingLength(ws, 'word.wav');
      });
      lengths.set(word, seconds);
    }
    return lengths;
  }
}

async function soundingLength(ws: Workspace, name: string): Promise<number> {
  const real = realTools(ws);
  const { durationSec } = await probeMedia(real, ws.path(name));
  const sounding = soundingIntervals(await detectSilences(real, ws.path(name), durationSec), durationSec);
  return sounding.length ? sounding.at(-1)!.end - sounding[0]!.start : 0;
}

function realTools(ws: Workspace): RealTools {
  return { ffmpeg: ws.ffmpegPath, ffprobe: ws.ffprobePath };
}

/** WhisperX's output for `audio`: `{segments: [{start, end, text, words}], detected_language}`. */
export async function transcribe(tools: MediaTools, vocabulary: Vocabulary, audio: Buffer): Promise<unknown> {
  const lengths = await vocabulary.soundingLengths();
  const heard = await tools.work(async (ws) => {
    await ws.write('audio.bin', audio);
    const real = realTools(ws);
    const probe = await probeMedia(real, ws.path('audio.bin')).catch(() => undefined);
    if (!probe || !probe.streams.some((s) => s.type === 'audio')) {
      throw new Error('RuntimeError: Failed to load audio: the file has no audio stream');
    }
    const silences = await detectSilences(real, ws.path('audio.bin'), probe.durationSec);
    return soundingIntervals(silences, probe.durationSec).map((i): HeardWord => {
      const { word, error } = nearestWord(lengths, i.end - i.start);
      return { word, start: round(i.start), end: round(i.end), score: round(Math.max(0, 1 - error)) };
    });
  });
  const segments: { start: number; end: number; text: string; words: HeardWord[] }[] = [];
  for (const w of heard) {
    const last = segments.at(-1);
    if (last && w.start - last.end <= SEGMENT_GAP_SEC) {
      last.words.push(w);
      last.end = w.end;
      last.text += ` ${w.word}`;
    } else {
      segments.push({ start: w.start, end: w.end, text: w.word, words: [w] });
    }
  }
  return { segments, detected_language: 'en' };
}

/**
 * Vocabulary words whose sounding lengths lie at least `minGapSec` apart from each other, so each
 * is heard as itself whatever the audio's encoding shaves off: the words a test video should say.
 */
export function recognizableWords(lengths: ReadonlyMap<string, number>, minGapSec = 0.1): string[] {
  const picked: [string, number][] = [];
  for (const [word, length] of [...lengths].sort((a, b) => a[1] - b[1])) {
    if (picked.every(([, l]) => Math.abs(l - length) >= minGapSec)) picked.push([word, length]);
  }
  return picked.map(([word]) => word);
}

function nearestWord(lengths: Map<string, number>, seconds: number): { word: string; error: number } {
  let best = { word: SPOKEN_VOCABULARY[0] as string, error: Infinity };
  for (const [word, length] of lengths) {
    const error = Math.abs(length - seconds);
    if (error < best.error) best = { word, error };
  }
  return best;
}

const round = (t: number) => Math.round(t * 1000) / 1000;
