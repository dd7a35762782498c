/**
 * Fonts, sizes, the safe area and line wrapping. We wrap lines ourselves because libass only breaks
 * at spaces, which Chinese and Japanese do not have; each page holds at most two lines.
 */
import type { Language } from '../../domain/shortRequest.js';
import { isSpacelessScript } from '../../text/language.js';

export interface CaptionLayout {
  width: number;
  height: number;
  language: Language;
}

const FONT_BY_LANGUAGE: Record<Language, string> = {
  en: 'Noto Sans',
  ru: 'Noto Sans',
  zh: 'Noto Sans CJK SC',
  ja: 'Noto Sans CJK JP',
  ko: 'Noto Sans CJK KR',
};

/**
 * libass sizes a face by its ascent plus descent, and Noto Sans CJK reserves more of that for line
 * spacing than Noto Sans does: at the same size a line of Han, kana or Hangul had 87 % of the ink
 * height of a Noto Sans line (capitals and ascenders to descenders: 41 against 47 px at 1080×1920),
 * and looked smaller. Noto Sans CJK draws Han, kana and Hangul on one body, so one factor serves all
 * three; test/captionLegibility.test.ts renders a line per language with libass and checks that the
 * measured heights agree within ±8 %.
 */
const CJK_SCALE = 1.14;
const SCRIPT_SCALE: Record<Language, number> = { en: 1, ru: 1, zh: CJK_SCALE, ja: CJK_SCALE, ko: CJK_SCALE };

export const SIDE_MARGIN = 0.08; // of width, each side: clear of platform buttons and rounded corners
export const BOTTOM_MARGIN = 0.2; // of height: above the caption/description overlay of Shorts and Reels
export const MAX_LINES = 2;

export function captionFont(language: Language): string {
  return FONT_BY_LANGUAGE[language];
}

/** The caption size in pixels: 5.8 % of the shorter side, scaled for the language's script. */
export function fontSizeFor({
  width,
  height,
  language,
}: Pick<CaptionLayout, 'width' | 'height'> & { language?: Language }): number {
  return Math.round(Math.min(width, height) * 0.058 * (language ? SCRIPT_SCALE[language] : 1));
}

/** How many ems (of the caption size) fit on one line inside the safe area. */
export function lineWidthEm(layout: CaptionLayout): number {
  return (layout.width * (1 - 2 * SIDE_MARGIN)) / fontSizeFor(layout);
}

/** Approximate advance of one character in ems for a bold sans face. */
function charWidthEm(ch: string): number {
  const code = ch.codePointAt(0) ?? 0;
  if (ch === ' ') return 0.27;
  if (
    (code >= 0x1100 && code <= 0x11ff) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0xff00 && code <= 0xffef)
  )
    return 1;
  if (code >= 0x0400 && code <= 0x04ff) return 0.64;
  if (/[A-Z]/.test(ch)) return 0.68;
  if (/[il.,'!|:;]/.test(ch)) return 0.3;
  return 0.6;
}

export function textWidthEm(text: string): number {
  return [...text].reduce((sum, ch) => sum + charWidthEm(ch), 0);
}

/** A piece of the narration: its text and where it sits in the narration (UTF-16 offsets). */
export interface TextSpan {
  text: string;
  start: number;
  end: number;
}

/**
 * Tokens that may not be split: words, or in Chinese and Japanese single characters (with their
 * trailing punctuation). Spaces stay as their own tokens there (one per run of whitespace), so
 * embedded Latin words keep them.
 */
function tokenize(text: string, language: Language): TextSpan[] {
  if (!isSpacelessScript(language)) {
    return [...text.matchAll(/\S+/gu)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
  }
  const tokens: TextSpan[] = [];
  for (let at = 0; at < text.length;) {
    const ch = String.fromCodePoint(text.codePointAt(at)!);
    const next = at + ch.length;
    const last = tokens.at(-1);
    if (/\s/u.test(ch)) {
      let end = next;
      while (end < text.length && /\s/u.test(text[end]!)) end++;
      // Whitespace between tokens is one space; leading and trailing whitespace is dropped.
      if (last !== undefined && end < text.length) tokens.push({ text: ' ', start: at, end });
      at = end;
      continue;
    }
    const glue =
      last !== undefined &&
      // Closing punctuation never starts a line (kinsoku): glue it to the previous token.
      ((last.text !== ' ' && /[。，、！？：；）」』”》…,.!?)]/u.test(ch)) ||
        (/[A-Za-z0-9\u00c0-\u04ff]/u.test(ch) && /[A-Za-z0-9\u00c0-\u04ff]$/u.test(last.text)));
    if (glue) {
      last.text += ch;
      last.end = next;
    } else tokens.push({ text: ch, start: at, end: next });
    at = next;
  }
  return tokens;
}

/** Splits a span into its characters, each with its own offsets. */
function chars(span: TextSpan): TextSpan[] {
  const out: TextSpan[] = [];
  let at = span.start;
  for (const ch of span.text) {
    out.push({ text: ch, start: at, end: at + ch.length });
    at += ch.length;
  }
  return out;
}

/** Adjacent spans as one. */
function joinSpans(spans: TextSpan[]): TextSpan {
  return { text: spans.map((c) => c.text).join(''), start: spans[0]!.start, end: spans.at(-1)!.end };
}

/**
 * Greedy wrap into lines no wider than `maxEm`; a token wider than a line is cut by characters.
 * Each line is the list of its pieces (tokens, parts of a cut token, and in Chinese and Japanese the
 * spaces between tokens), so every character on screen can be traced back to the narration.
 */
export function wrapSpans(text: string, language: Language, maxEm: number): TextSpan[][] {
  const joiner = isSpacelessScript(language) ? '' : ' ';
  const lines: TextSpan[][] = [];
  let line: TextSpan[] = [];
  const shown = (pieces: TextSpan[]) => pieces.map((p) => p.text).join(joiner);
  const push = (token: TextSpan) => {
    const candidate = [...line, token];
    if (line.length === 0 || textWidthEm(shown(candidate)) <= maxEm) {
      line = candidate;
    } else {
      lines.push(line);
      line = [token];
    }
    // Only a line of one token can be too wide: cut it by characters.
    while (textWidthEm(shown(line)) > maxEm && [...line[0]!.text].length > 1) {
      const cs = chars(line[0]!);
      let cut = cs.length - 1;
      while (cut > 1 && textWidthEm(joinSpans(cs.slice(0, cut)).text) > maxEm) cut--;
      lines.push([joinSpans(cs.slice(0, cut))]);
      line = [joinSpans(cs.slice(cut))];
    }
  };
  for (const token of tokenize(text, language)) push(token);
  if (line.length) lines.push(line);
  // Spaces at the edges of a line are not shown.
  return lines
    .map((pieces) => {
      let from = 0;
      let to = pieces.length;
      while (from < to && pieces[from]!.text.trim() === '') from++;
      while (to > from && pieces[to - 1]!.text.trim() === '') to--;
      return pieces.slice(from, to);
    })
    .filter((pieces) => pieces.length > 0);
}

/** The text of a wrapped line as it is shown. */
export function lineText(pieces: readonly TextSpan[], language: Language): string {
  return pieces.map((p) => p.text).join(isSpacelessScript(language) ? '' : ' ');
}

/** Greedy wrap into lines no wider than `maxEm`; a token wider than a line is cut by characters. */
export function wrapText(text: string, language: Language, maxEm: number): string[] {
  return wrapSpans(text, language, maxEm).map((pieces) => lineText(pieces, language));
}
