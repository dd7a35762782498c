/**
 * Moments of a transcript, for shorts cut from a long video: a planner's answer checked and
 * snapped to the words around it (a short never starts or ends in the middle of a word), the
 * offline picker that stands in when no LLM answers, and the words of one moment as captions
 * read them. Pure: the activities, the emulated LLM and the tests use it alike.
 */
import type { WordTiming } from './words.js';
import { type Transcript, joinWords } from './transcript.js';

export interface TimedWord {
  word: string;
  start: number;
  end: number;
}

/** A moment as a planner proposes it: a stretch of the video and why. */
export interface ProposedMoment {
  start: number;
  end: number;
  title?: string;
  reason?: string;
  hook?: string;
}

export interface SnappedMoment {
  startSec: number;
  endSec: number;
  title: string;
  /** Why this moment stands on its own (the planner's words). */
  reason: string;
  /** The line that opens the short, to stop a scroll. */
  hook: string;
  /** What is said in it. */
  text: string;
}

/** A proposal's length may miss the asked one by this fraction either way. */
export const LENGTH_TOLERANCE = 0.5;
/** Room before the first word and after the last, so no word is clipped and the cut breathes. */
const LEAD_SEC = 0.15;
const TAIL_SEC = 0.4;
/** A word counts as inside a stretch when this much of it would be cut at most. */
const WORD_SLACK_SEC = 0.3;

export function wordsOf(transcript: Transcript): TimedWord[] {
  return transcript.segments.flatMap((s) => s.words).sort((a, b) => a.start - b.start);
}

/** The words a stretch holds (each whole, or nearly). */
function wordsWithin(words: readonly TimedWord[], start: number, end: number): TimedWord[] {
  return words.filter((w) => w.start >= start - WORD_SLACK_SEC && w.end <= end + WORD_SLACK_SEC);
}

/**
 * A stretch widened to whole words: from just before its first word to just after its last,
 * never into a neighbouring word, within the video. Undefined when it holds no word.
 */
export function snapToWords(
  words: readonly TimedWord[],
  start: number,
  end: number,
  durationSec: number,
): { startSec: number; endSec: number; words: TimedWord[] } | undefined {
  const inside = wordsWithin(words, start, end);
  if (inside.length === 0) return undefined;
  const first = inside[0]!;
  const last = inside.at(-1)!;
  const before = words.filter((w) => w.end <= first.start).at(-1);
  const after = words.find((w) => w.start >= last.end && w !== last);
  const startSec = Math.max(0, before?.end ?? 0, first.start - LEAD_SEC);
  const endSec = Math.min(durationSec, after?.start ?? Infinity, last.end + TAIL_SEC);
  return { startSec: round3(startSec), endSec: round3(endSec), words: inside };
}

export interface MomentRules {
  count: number;
  lengthSec: number;
  durationSec: number;
}

/**
 * A planner's moments checked (inside the video, about the asked length, holding speech, not
 * overlapping, no more than asked) and snapped to words, in the video's order; or what is wrong,
 * in words a repair prompt can quote back.
 */
export function checkMoments(
  raw: unknown,
  words: readonly TimedWord[],
  rules: MomentRules,
): { moments: SnappedMoment[] } | { problems: string[] } {
  const list = (raw as { moments?: unknown } | null)?.moments;
  if (!Array.isArray(list) || list.length === 0) return { problems: ['the answer has no "moments" array'] };
  const problems: string[] = [];
  if (list.length > rules.count) problems.push(`${list.length} moments were given; at most ${rules.count} were asked`);
  const shortest = Math.min(rules.lengthSec * (1 - LENGTH_TOLERANCE), rules.durationSec);
  const longest = rules.lengthSec * (1 + LENGTH_TOLERANCE);
  const snapped: SnappedMoment[] = [];
  list.forEach((item, i) => {
    const m = item as ProposedMoment;
    const at = `moment ${i + 1}`;
    if (typeof m.start !== 'number' || typeof m.end !== 'number' || !(m.end > m.start)) {
      problems.push(`${at}: "start" and "end" must be numbers of seconds with end after start`);
      return;
    }
    if (m.start < 0 || m.end > rules.durationSec + 1) {
      problems.push(`${at}: ${m.start}–${m.end} s is outside the video (0–${rules.durationSec.toFixed(1)} s)`);
      return;
    }
    const length = m.end - m.start;
    if (length < shortest - 0.01 || length > longest + 0.01) {
      problems.push(`${at} lasts ${length.toFixed(1)} s; make it ${shortest.toFixed(0)}–${longest.toFixed(0)} s`);
      return;
    }
    const snap = snapToWords(words, m.start, m.end, rules.durationSec);
    if (!snap) {
      problems.push(`${at}: nothing is said between ${m.start} and ${m.end} s`);
      return;
    }
    const text = joinWords(snap.words);
    snapped.push({
      startSec: snap.startSec,
      endSec: snap.endSec,
      title: cleanLine(m.title) || preview(text, 8),
      reason: cleanLine(m.reason) || 'chosen by the planner',
      hook: cleanLine(m.hook) || preview(text, 10),
      text,
    });
  });
  snapped.sort((a, b) => a.startSec - b.startSec);
  for (let i = 1; i < snapped.length; i++) {
    if (snapped[i]!.startSec < snapped[i - 1]!.endSec - 0.01) {
      problems.push(
        `moments at ${snapped[i - 1]!.startSec.toFixed(1)} s and ${snapped[i]!.startSec.toFixed(1)} s overlap; pick separate stretches`,
      );
    }
  }
  return problems.length ? { problems } : { moments: snapped };
}

/**
 * The offline picker: the stretches of about `lengthSec` with the most words, none overlapping,
 * in the video's order. Speech density is a plain stand-in for "interesting", used when no LLM can
 * answer (and by the emulated LLM, which has no taste either).
 */
export function densestStretches(words: readonly TimedWord[], rules: MomentRules): ProposedMoment[] {
  const length = Math.min(rules.lengthSec, rules.durationSec);
  const candidates = words.map((w) => {
    const start = Math.max(0, Math.min(w.start - LEAD_SEC, rules.durationSec - length));
    const end = start + length;
    return { start: round3(start), end: round3(end), words: wordsWithin(words, start, end).length };
  });
  const chosen: { start: number; end: number; words: number }[] = [];
  for (const c of [...candidates].sort((a, b) => b.words - a.words || a.start - b.start)) {
    if (chosen.length >= rules.count) break;
    if (chosen.some((o) => c.start < o.end && o.start < c.end)) continue;
    chosen.push(c);
  }
  return chosen.sort((a, b) => a.start - b.start).map(({ start, end }) => ({ start, end }));
}

/** A moment's words as a narration's timings: relative to the moment's start, inside it. */
export function momentWordTimings(words: readonly TimedWord[], startSec: number, endSec: number): WordTiming[] {
  return wordsWithin(words, startSec, endSec).map((w) => ({
    text: w.word,
    startSec: round3(Math.max(0, w.start - startSec)),
    endSec: round3(Math.min(endSec, w.end) - startSec),
  }));
}

/** The first `n` words of a text (or characters, for scripts without spaces), ending in "…". */
export function preview(text: string, n: number): string {
  const spaced = text.includes(' ');
  const parts = spaced ? text.split(/\s+/) : [...text];
  const cut = spaced ? n : n * 2;
  return parts.length <= cut ? text : `${parts.slice(0, cut).join(spaced ? ' ' : '')}…`;
}

/** One line of a planner's text: no newlines or control characters, at most 160 characters. */
function cleanLine(value: unknown): string {
  if (typeof value !== 'string') return '';
  const line = value
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return [...line].length > 160 ? `${[...line].slice(0, 159).join('')}…` : line;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
