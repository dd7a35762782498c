/**
 * Text → spoken pieces → character timings. Pure, so the rules can be read (and tested) apart
 * from espeak-ng and ffmpeg.
 *
 * The text is cut into speech pieces (runs of letters, digits and marks, with inner apostrophes
 * and hyphens: "don't", "well-known", "今天天气很好") and pause pieces (everything else: spaces,
 * punctuation, symbols). Each speech piece is synthesized on its own and trimmed to its audible
 * part; each pause piece becomes silence. So every character of a word lies inside that word's
 * real sound, and spaces and punctuation sit in the silences between words, as in the real API.
 */
import type { PauseConfig } from './options.js';

export interface Piece {
  kind: 'speech' | 'pause';
  /** Unicode code points, one alignment entry each (the API counts Python str characters). */
  chars: string[];
}

/** `alignment` / `normalized_alignment` of the with-timestamps response. */
export interface CharacterAlignment {
  characters: string[];
  character_start_times_seconds: number[];
  character_end_times_seconds: number[];
}

const SPOKEN = /^[\p{L}\p{N}\p{M}]$/u;
const JOINER = /^['’-]$/u;
const SENTENCE_END = /[.!?…。！？]/u;
const CLAUSE = /[,;:—–\n、，；：]/u;

export function splitText(text: string): Piece[] {
  const chars = Array.from(text);
  const pieces: Piece[] = [];
  let i = 0;
  while (i < chars.length) {
    const speech = SPOKEN.test(chars[i]!);
    const start = i;
    i++;
    if (speech) {
      while (
        i < chars.length &&
        (SPOKEN.test(chars[i]!) || (JOINER.test(chars[i]!) && SPOKEN.test(chars[i + 1] ?? '')))
      )
        i++;
    } else {
      while (i < chars.length && !SPOKEN.test(chars[i]!)) i++;
    }
    pieces.push({ kind: speech ? 'speech' : 'pause', chars: chars.slice(start, i) });
  }
  return pieces;
}

/** How long the silence of a pause piece lasts: the strongest punctuation in it decides. */
export function pauseMs(piece: Piece, pauses: PauseConfig): number {
  const text = piece.chars.join('');
  if (SENTENCE_END.test(text)) return pauses.sentenceMs;
  if (CLAUSE.test(text)) return pauses.clauseMs;
  return pauses.wordMs;
}

/**
 * Lay the pieces end to end. `lengths[i]` is piece i's length in samples (its trimmed speech, or
 * its silence); each piece's span is shared equally by its characters, so times only grow, every
 * character's end is the next one's start, and the last end is the audio's length.
 */
export function layout(pieces: Piece[], lengths: number[], sampleRate: number): CharacterAlignment {
  const out: CharacterAlignment = {
    characters: [],
    character_start_times_seconds: [],
    character_end_times_seconds: [],
  };
  let cursor = 0;
  pieces.forEach((piece, p) => {
    const length = lengths[p] ?? 0;
    const n = piece.chars.length;
    piece.chars.forEach((c, k) => {
      out.characters.push(c);
      out.character_start_times_seconds.push(seconds(cursor + (length * k) / n, sampleRate));
      out.character_end_times_seconds.push(seconds(cursor + (length * (k + 1)) / n, sampleRate));
    });
    cursor += length;
  });
  return out;
}

/** Milliseconds, like the API (0.058, 0.093, …). */
function seconds(samples: number, sampleRate: number): number {
  return Math.round((samples / sampleRate) * 1000) / 1000;
}

/**
 * The normalized text's alignment. The real service also spells out numbers and abbreviations;
 * the emulator only does what needs no language knowledge: runs of whitespace become one space
 * (spanning the whole run) and leading and trailing whitespace goes.
 */
export function normalizeAlignment(a: CharacterAlignment): CharacterAlignment {
  const out: CharacterAlignment = {
    characters: [],
    character_start_times_seconds: [],
    character_end_times_seconds: [],
  };
  const last = a.characters.length - 1;
  let first = 0;
  while (first <= last && /\s/u.test(a.characters[first]!)) first++;
  let end = last;
  while (end >= first && /\s/u.test(a.characters[end]!)) end--;
  for (let i = first; i <= end; i++) {
    const space = /\s/u.test(a.characters[i]!);
    const n = out.characters.length;
    if (space && n > 0 && out.characters[n - 1] === ' ' && /\s/u.test(a.characters[i - 1]!)) {
      out.character_end_times_seconds[n - 1] = a.character_end_times_seconds[i]!;
      continue;
    }
    out.characters.push(space ? ' ' : a.characters[i]!);
    out.character_start_times_seconds.push(a.character_start_times_seconds[i]!);
    out.character_end_times_seconds.push(a.character_end_times_seconds[i]!);
  }
  return out;
}
