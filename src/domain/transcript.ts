/**
 * Transcripts of long videos: what a speech model says about one chunk (times from the chunk's
 * start), merged into one timeline of the whole video (times from its start), and written as SRT
 * and WebVTT. Pure: the workflow's activities and the tests use it alike.
 */

export interface TranscriptWord {
  word: string;
  start: number;
  end: number;
}

export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
  words: TranscriptWord[];
}

export interface Transcript {
  language: string;
  durationSec: number;
  segments: TranscriptSegment[];
}

export interface ChunkTranscript {
  /** Where the chunk starts and ends in the whole video (seconds). */
  startSec: number;
  endSec: number;
  language: string;
  segments: TranscriptSegment[];
}

const round = (t: number) => Math.round(t * 1000) / 1000;

/**
 * One timeline from the chunks' transcripts: every time shifted by its chunk's offset, and every
 * word kept by the chunk its middle falls in, so a word heard by two chunks (an overlap, a cut
 * that was not on silence) is there once. Segments keep their order; an emptied one is dropped.
 * The language is the one most chunks heard.
 */
export function mergeChunkTranscripts(chunks: readonly ChunkTranscript[], durationSec: number): Transcript {
  const ordered = [...chunks].sort((a, b) => a.startSec - b.startSec);
  const segments: TranscriptSegment[] = [];
  ordered.forEach((chunk, i) => {
    const from = i === 0 ? 0 : chunk.startSec;
    const to = i === ordered.length - 1 ? Infinity : ordered[i + 1]!.startSec;
    const owns = (start: number, end: number) => {
      const middle = (start + end) / 2;
      return middle >= from && middle < to;
    };
    for (const segment of chunk.segments) {
      const shift = (t: number) => round(t + chunk.startSec);
      const words = segment.words
        .map((w) => ({ word: w.word.trim(), start: shift(w.start), end: shift(w.end) }))
        .filter((w) => w.word !== '' && owns(w.start, w.end));
      if (segment.words.length > 0 && words.length === 0) continue;
      const start = words[0]?.start ?? shift(segment.start);
      const end = words.at(-1)?.end ?? shift(segment.end);
      if (segment.words.length === 0 && !owns(start, end)) continue;
      segments.push({ start, end, text: words.length ? joinWords(words) : segment.text.trim(), words });
    }
  });
  return { language: mostCommon(ordered.map((c) => c.language)) ?? 'unknown', durationSec, segments };
}

/** Words joined as the script writes them: with spaces, or without for Chinese and Japanese. */
export function joinWords(words: readonly Pick<TranscriptWord, 'word'>[]): string {
  const unspaced = /[\u3040-\u30ff\u3400-\u9fff]/;
  return words.reduce((text, w) => {
    if (!text) return w.word;
    return unspaced.test(w.word) && unspaced.test(text.at(-1)!) ? text + w.word : `${text} ${w.word}`;
  }, '');
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function timestamp(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

export function toSrt(transcript: Transcript): string {
  return transcript.segments
    .map((s, i) => `${i + 1}\n${timestamp(s.start, ',')} --> ${timestamp(s.end, ',')}\n${s.text}\n`)
    .join('\n');
}

export function toVtt(transcript: Transcript): string {
  const cues = transcript.segments.map((s) => `${timestamp(s.start, '.')} --> ${timestamp(s.end, '.')}\n${s.text}\n`);
  return `WEBVTT\n\n${cues.join('\n')}`;
}

/** A speech model's output (WhisperX's `segments` with `words`), checked field by field. */
export function parseModelTranscript(output: unknown): { language: string; segments: TranscriptSegment[] } {
  const o = output as { detected_language?: unknown; segments?: unknown } | null;
  if (!o || typeof o !== 'object' || !Array.isArray(o.segments)) {
    throw new Error('the speech model returned no segments');
  }
  const num = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`the speech model returned a ${what} that is not a number`);
    return v;
  };
  const segments = o.segments.map((raw) => {
    const s = raw as { start?: unknown; end?: unknown; text?: unknown; words?: unknown };
    const words = (Array.isArray(s.words) ? s.words : [])
      .map((w) => w as { word?: unknown; start?: unknown; end?: unknown })
      // WhisperX leaves a word it could not align without times: it stays in the text only.
      .filter((w) => typeof w.word === 'string' && typeof w.start === 'number' && typeof w.end === 'number')
      .map((w) => ({ word: w.word as string, start: num(w.start, 'word start'), end: num(w.end, 'word end') }));
    return { start: num(s.start, 'segment start'), end: num(s.end, 'segment end'), text: String(s.text ?? ''), words };
  });
  return { language: typeof o.detected_language === 'string' ? o.detected_language : 'unknown', segments };
}
