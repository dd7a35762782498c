/**
 * One scene's narration as timed caption pages. With word timings a page appears when its first word
 * is spoken and gives way when the next page's first word is; in karaoke style each word of the page
 * is also highlighted while it is spoken. Without timings (or when they do not fit the text) the
 * pages share the narration's time by their length, and karaoke falls back to plain pages: a
 * highlight that is not on the voice is worse than none. No cue leaves the scene's narration window.
 */
import type { CaptionStyle, Language } from '../../domain/shortRequest.js';
import type { NarrationWords, WordTiming } from '../../domain/words.js';
import { isSpacelessScript } from '../../text/language.js';
import { type SpeechClock, speechClock } from './clock.js';
import { type CaptionLayout, MAX_LINES, type TextSpan, lineText, lineWidthEm, wrapSpans } from './layout.js';

export interface CaptionCue {
  startSec: number;
  endSec: number;
  text: string;
  /** Karaoke: `text` cut into spoken pieces, in order; each is highlighted from its start to its end. */
  karaoke?: KaraokePiece[];
}

export interface KaraokePiece {
  text: string;
  startSec: number;
  endSec: number;
}

export interface CueOptions {
  /** When each word is spoken, relative to the clip's start (which is `narrationStartSec`). */
  words?: readonly WordTiming[];
  style?: CaptionStyle;
}

/** A page stays up at least this long (or its share of a very short narration). */
const MIN_PAGE_SEC = 0.3;

/** Splits one scene's narration into timed pages of at most two lines each. */
export function sceneCues(
  text: string,
  narrationStartSec: number,
  narrationDurationSec: number,
  layout: CaptionLayout,
  { words, style = 'pages' }: CueOptions = {},
): CaptionCue[] {
  const lines = wrapSpans(text, layout.language, lineWidthEm(layout));
  const pages: TextSpan[][][] = [];
  for (let i = 0; i < lines.length; i += MAX_LINES) pages.push(lines.slice(i, i + MAX_LINES));
  const shown = pages.map((page) => page.map((line) => lineText(line, layout.language)).join('\n'));
  const clock = words?.length ? speechClock(text, words) : undefined;
  const windowEnd = narrationStartSec + narrationDurationSec;
  const starts = clock
    ? voicedStarts(pages, clock, narrationStartSec, windowEnd)
    : lengthStarts(shown, narrationStartSec, narrationDurationSec);
  return pages.map((page, i) => {
    const cue: CaptionCue = { startSec: starts[i]!, endSec: starts[i + 1] ?? windowEnd, text: shown[i]! };
    if (clock && style === 'karaoke') cue.karaoke = karaokePieces(page, layout.language, clock, narrationStartSec, cue);
    return cue;
  });
}

/** Today's timing: pages share the narration by their number of characters. */
function lengthStarts(shown: string[], startSec: number, durationSec: number): number[] {
  const weights = shown.map((p) => Math.max(1, [...p.replace(/\n/g, '')].length));
  const total = weights.reduce((a, b) => a + b, 0);
  let start = startSec;
  return weights.map((w) => {
    const at = start;
    start += (durationSec * w) / total;
    return at;
  });
}

const pageFrom = (page: TextSpan[][]) => page[0]![0]!.start;
const pageTo = (page: TextSpan[][]) => page.at(-1)!.at(-1)!.end;

/**
 * Each page starts when its first letter is spoken; pages keep MIN_PAGE_SEC apart and inside the
 * window [windowStart, windowEnd].
 */
function voicedStarts(pages: TextSpan[][][], clock: SpeechClock, windowStart: number, windowEnd: number): number[] {
  const minPage = Math.min(MIN_PAGE_SEC, (windowEnd - windowStart) / pages.length);
  const starts = pages.map((page) => windowStart + (clock.startOf(pageFrom(page), pageTo(page)) ?? 0));
  for (let i = 0; i < starts.length; i++) {
    const earliest = i === 0 ? windowStart : starts[i - 1]! + minPage;
    const latest = windowEnd - (starts.length - i) * minPage;
    starts[i] = Math.min(Math.max(starts[i]!, earliest), latest);
  }
  return starts;
}

/**
 * The page's text cut at its words: each piece is a token (or a cut part of one) with the separator
 * after it; pieces without letters (a dash, a space between Chinese characters) join the piece before.
 * Concatenated, the pieces are exactly the cue's text.
 */
function karaokePieces(
  page: TextSpan[][],
  language: Language,
  clock: SpeechClock,
  offsetSec: number,
  cue: CaptionCue,
): KaraokePiece[] {
  const joiner = isSpacelessScript(language) ? '' : ' ';
  const pieces: KaraokePiece[] = [];
  let before = ''; // letterless text before the first timed piece
  page.forEach((line, l) =>
    line.forEach((span, k) => {
      const sep = k < line.length - 1 ? joiner : l < page.length - 1 ? '\n' : '';
      const start = clock.startOf(span.start, span.end);
      const end = clock.endOf(span.start, span.end);
      const last = pieces.at(-1);
      if (start === undefined || end === undefined) {
        if (last) last.text += span.text + sep;
        else before += span.text + sep;
        return;
      }
      const clamp = (t: number) => Math.min(Math.max(offsetSec + t, cue.startSec), cue.endSec);
      pieces.push({ text: before + span.text + sep, startSec: clamp(start), endSec: clamp(end) });
      before = '';
    }),
  );
  if (before) pieces.push({ text: before, startSec: cue.endSec, endSec: cue.endSec });
  return pieces;
}

/** The word timings in a stored `NarrationWords` document, or undefined when it is not one. */
export function wordsFromJson(value: unknown): WordTiming[] | undefined {
  const doc = value as Partial<NarrationWords> | null;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.words)) return undefined;
  const words = doc.words.filter(
    (w): w is WordTiming =>
      !!w &&
      typeof w.text === 'string' &&
      typeof w.startSec === 'number' &&
      typeof w.endSec === 'number' &&
      Number.isFinite(w.startSec) &&
      Number.isFinite(w.endSec),
  );
  return words.length ? words : undefined;
}
