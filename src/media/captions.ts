/**
 * Burned-in captions as an ASS subtitle file for ffmpeg's libass. We wrap lines ourselves because
 * libass only breaks at spaces, which Chinese and Japanese do not have; each page holds at most two
 * lines inside the safe area, and pages share their scene's narration time by character count.
 */
import type { Language } from '../domain/shortRequest.js';
import { isSpacelessScript } from '../text/language.js';

export interface CaptionCue {
  startSec: number;
  endSec: number;
  text: string;
}

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

const SIDE_MARGIN = 0.08; // of width, each side: clear of platform buttons and rounded corners
const BOTTOM_MARGIN = 0.2; // of height: above the caption/description overlay of Shorts and Reels
const MAX_LINES = 2;

export function captionFont(language: Language): string {
  return FONT_BY_LANGUAGE[language];
}

export function fontSizeFor({ width, height }: Pick<CaptionLayout, 'width' | 'height'>): number {
  return Math.round(Math.min(width, height) * 0.058);
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

/**
 * Tokens that may not be split: words, or in Chinese and Japanese single characters (with their
 * trailing punctuation). Spaces stay as their own tokens there, so embedded Latin words keep them.
 */
function tokenize(text: string, language: Language): string[] {
  if (!isSpacelessScript(language)) return text.split(/\s+/u).filter(Boolean);
  const tokens: string[] = [];
  for (const ch of text.replace(/\s+/gu, ' ').trim()) {
    const last = tokens.at(-1);
    // Closing punctuation never starts a line (kinsoku): glue it to the previous token.
    if (last !== undefined && last !== ' ' && /[。，、！？：；）」』”》…,.!?)]/u.test(ch))
      tokens[tokens.length - 1] += ch;
    else if (last !== undefined && /[A-Za-z0-9\u00c0-\u04ff]/u.test(ch) && /[A-Za-z0-9\u00c0-\u04ff]$/u.test(last))
      tokens[tokens.length - 1] += ch;
    else tokens.push(ch);
  }
  return tokens;
}

/** Greedy wrap into lines no wider than `maxEm`; a token wider than a line is cut by characters. */
export function wrapText(text: string, language: Language, maxEm: number): string[] {
  const joiner = isSpacelessScript(language) ? '' : ' ';
  const lines: string[] = [];
  let line = '';
  const push = (token: string) => {
    const candidate = line === '' ? token : line + joiner + token;
    if (textWidthEm(candidate) <= maxEm || line === '') {
      line = candidate;
    } else {
      lines.push(line);
      line = token;
    }
    while (textWidthEm(line) > maxEm) {
      const chars = [...line];
      let cut = chars.length - 1;
      while (cut > 1 && textWidthEm(chars.slice(0, cut).join('')) > maxEm) cut--;
      lines.push(chars.slice(0, cut).join(''));
      line = chars.slice(cut).join('');
    }
  };
  for (const token of tokenize(text, language)) push(token);
  if (line) lines.push(line);
  return lines.map((l) => l.trim()).filter(Boolean);
}

/** Splits one scene's narration into timed pages of at most two lines each. */
export function sceneCues(
  text: string,
  narrationStartSec: number,
  narrationDurationSec: number,
  layout: CaptionLayout,
): CaptionCue[] {
  const maxEm = (layout.width * (1 - 2 * SIDE_MARGIN)) / fontSizeFor(layout);
  const lines = wrapText(text, layout.language, maxEm);
  const pages: string[][] = [];
  for (let i = 0; i < lines.length; i += MAX_LINES) pages.push(lines.slice(i, i + MAX_LINES));
  const weights = pages.map((p) => Math.max(1, [...p.join('')].length));
  const total = weights.reduce((a, b) => a + b, 0);
  let start = narrationStartSec;
  return pages.map((page, i) => {
    const duration = (narrationDurationSec * weights[i]!) / total;
    const cue = { startSec: start, endSec: start + duration, text: page.join('\n') };
    start += duration;
    return cue;
  });
}

export function buildAss(cues: CaptionCue[], layout: CaptionLayout): string {
  const size = fontSizeFor(layout);
  const marginH = Math.round(layout.width * SIDE_MARGIN);
  const marginV = Math.round(layout.height * BOTTOM_MARGIN);
  const header = [
    '[Script Info]',
    'ScriptType: v4.00+',
    `PlayResX: ${layout.width}`,
    `PlayResY: ${layout.height}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    `Style: Caption,${captionFont(layout.language)},${size},&H00FFFFFF,&H00FFFFFF,&H00101010,&H80000000,-1,0,0,0,100,100,0,0,1,${Math.max(2, Math.round(size / 14))},${Math.max(1, Math.round(size / 30))},2,${marginH},${marginH},${marginV},1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
  ];
  const events = cues.map(
    (c) => `Dialogue: 0,${assTime(c.startSec)},${assTime(c.endSec)},Caption,,0,0,0,,${escapeAss(c.text)}`,
  );
  return [...header, ...events, ''].join('\n');
}

function escapeAss(text: string): string {
  // Braces open override blocks and backslashes start tags in ASS: use look-alike full-width forms.
  return text.replace(/\\/g, '＼').replace(/\{/g, '｛').replace(/\}/g, '｝').replace(/\n/g, '\\N');
}

function assTime(sec: number): string {
  const cs = Math.max(0, Math.round(sec * 100));
  const h = Math.floor(cs / 360000);
  const m = Math.floor((cs % 360000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}
