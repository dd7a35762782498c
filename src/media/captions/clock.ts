/**
 * When each letter of a narration is spoken, from a provider's word timings. The words need not be
 * the caption's tokens: Chinese and Japanese have no spaces, providers split or join words their own
 * way, drop or add punctuation, and may spell a number differently. So the words are mapped onto the
 * narration by characters: the letters of all words, in order, are aligned to the letters of the
 * text (case- and width-folded, edit-distance alignment), each word's time is shared among its
 * letters, and letters no word matched get times interpolated from their neighbours.
 */
import type { WordTiming } from '../../domain/words.js';

const LETTER = /[\p{L}\p{N}]/u;

export interface SpeechClock {
  /** Time (s, from the clip's start) at which the first letter in [from, to) starts to be spoken. */
  startOf(from: number, to: number): number | undefined;
  /** Time at which the last letter in [from, to) has been spoken. */
  endOf(from: number, to: number): number | undefined;
}

/** Only this share of the text's letters needs to be matched; below it the timings are for another text. */
const MIN_MATCHED = 0.3;

function key(ch: string): string {
  return ch.normalize('NFKC').toLowerCase();
}

/** The letters of `text`: their keys and UTF-16 offsets. */
function letters(text: string): { keys: string[]; at: number[] } {
  const keys: string[] = [];
  const at: number[] = [];
  for (let i = 0; i < text.length;) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (LETTER.test(ch)) {
      keys.push(key(ch));
      at.push(i);
    }
    i += ch.length;
  }
  return { keys, at };
}

/** Words whose times make sense, in spoken order. */
function usableWords(words: readonly WordTiming[]): WordTiming[] {
  return words
    .filter((w) => typeof w?.text === 'string' && Number.isFinite(w.startSec) && Number.isFinite(w.endSec))
    .map((w) => ({ text: w.text, startSec: Math.max(0, w.startSec), endSec: Math.max(0, w.startSec, w.endSec) }));
}

export function speechClock(text: string, words: readonly WordTiming[]): SpeechClock | undefined {
  const target = letters(text);
  const spoken = usableWords(words);
  const source: { key: string; start: number; end: number }[] = [];
  for (const w of spoken) {
    const ks = letters(w.text).keys;
    const step = (w.endSec - w.startSec) / Math.max(1, ks.length);
    ks.forEach((k, i) => source.push({ key: k, start: w.startSec + i * step, end: w.startSec + (i + 1) * step }));
  }
  const n = target.keys.length;
  if (n === 0 || source.length === 0) return undefined;
  const match = alignKeys(
    target.keys,
    source.map((s) => s.key),
  );
  const start = new Float64Array(n).fill(NaN);
  const end = new Float64Array(n).fill(NaN);
  let matched = 0;
  match.forEach((j, i) => {
    if (j < 0) return;
    matched++;
    start[i] = source[j]!.start;
    end[i] = source[j]!.end;
  });
  if (matched < MIN_MATCHED * n) return undefined;
  fillGaps(start, end);
  // Spoken order: no letter starts before the one before it.
  for (let i = 1; i < n; i++) {
    start[i] = Math.max(start[i]!, start[i - 1]!);
    end[i] = Math.max(end[i]!, start[i]!);
  }

  /** Index of the first letter at or after offset `from`. */
  const firstAtOrAfter = (from: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (target.at[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    startOf(from, to) {
      const i = firstAtOrAfter(from);
      return i < n && target.at[i]! < to ? start[i] : undefined;
    },
    endOf(from, to) {
      const i = firstAtOrAfter(to) - 1;
      return i >= 0 && target.at[i]! >= from ? end[i] : undefined;
    },
  };
}

/**
 * Letters no word matched take the time between their matched neighbours, evenly; before the first
 * match they start with it, after the last they end with it.
 */
function fillGaps(start: Float64Array, end: Float64Array): void {
  const n = start.length;
  for (let i = 0; i < n;) {
    if (!Number.isNaN(start[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && Number.isNaN(start[j]!)) j++;
    const from = i > 0 ? end[i - 1]! : start[j]!;
    const to = j < n ? start[j]! : end[i - 1]!;
    const step = (Math.max(from, to) - from) / (j - i);
    for (let k = i; k < j; k++) {
      start[k] = from + (k - i) * step;
      end[k] = from + (k - i + 1) * step;
    }
    i = j;
  }
}

/** Cells the banded alignment may use; beyond that the letters are mapped by position. */
const MAX_CELLS = 20_000_000;

/**
 * For each key of `a`, the index of the key of `b` it is aligned with (or -1): the alignment with the
 * fewest edits (substitutions align too), searched in a band around the diagonal.
 */
export function alignKeys(a: readonly string[], b: readonly string[]): Int32Array {
  const n = a.length;
  const m = b.length;
  const match = new Int32Array(n).fill(-1);
  if (n === m && a.every((k, i) => k === b[i])) return match.map((_, i) => i);
  const band = Math.max(64, Math.abs(n - m) + 64);
  const width = 2 * band + 1;
  if ((n + 1) * width > MAX_CELLS) {
    for (let i = 0; i < n; i++) match[i] = Math.min(m - 1, Math.floor((i * m) / n));
    return match;
  }
  const center = (i: number) => Math.round((i * m) / n);
  // Cell (i, j) lives at row i, column j - center(i) + band. Moves: 0 diagonal, 1 skip a[i-1], 2 skip b[j-1].
  const move = new Uint8Array((n + 1) * width);
  let prev = new Float64Array(width).fill(Infinity);
  let cur = new Float64Array(width);
  for (let i = 0; i <= n; i++) {
    cur.fill(Infinity);
    const c = center(i);
    const pc = center(i - 1);
    for (let col = 0; col < width; col++) {
      const j = c - band + col;
      if (j < 0 || j > m) continue;
      if (i === 0) {
        cur[col] = j;
        move[col] = 2;
        continue;
      }
      const up = j - pc + band; // column of (i-1, j) in the previous row
      let best = up >= 0 && up < width ? prev[up]! + 1 : Infinity;
      let how = 1;
      if (j > 0) {
        const diag = up - 1;
        if (diag >= 0 && diag < width) {
          const v = prev[diag]! + (a[i - 1] === b[j - 1] ? 0 : 1);
          if (v <= best) {
            best = v;
            how = 0;
          }
        }
        if (col > 0 && cur[col - 1]! + 1 < best) {
          best = cur[col - 1]! + 1;
          how = 2;
        }
      }
      cur[col] = best;
      move[i * width + col] = how;
    }
    [prev, cur] = [cur, prev];
  }
  for (let i = n, j = m; i > 0 && j >= 0;) {
    const how = move[i * width + (j - center(i) + band)]!;
    if (how === 0) {
      match[i - 1] = j - 1;
      i--;
      j--;
    } else if (how === 1) i--;
    else j--;
  }
  return match;
}
