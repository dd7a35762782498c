/** The ASS subtitle file that ffmpeg's libass burns in. */
import {
  BOTTOM_MARGIN,
  type CaptionLayout,
  SIDE_MARGIN,
  captionFont,
  fontSizeFor,
  lineWidthEm,
  wrapText,
} from './layout.js';
import type { CaptionCue } from './cues.js';

/** ASS colours are &HAABBGGRR. */
const WHITE = '&H00FFFFFF';
/** Karaoke highlight: a warm yellow (#FFD21F) that stays readable inside the dark outline on any picture. */
const HIGHLIGHT = '&H001FD2FF';
const OUTLINE = '&H00101010';
const SHADOW = '&H80000000';

/** A line shown at the top from the start (a highlight's hook), larger than the captions. */
export interface TitleCue {
  text: string;
  untilSec: number;
}

/** The title's size relative to the captions', and its distance from the top (of the height). */
const TITLE_SCALE = 1.2;
const TOP_MARGIN = 0.12;
const TITLE_LINES = 3;

export function buildAss(cues: CaptionCue[], layout: CaptionLayout, title?: TitleCue): string {
  const size = fontSizeFor(layout);
  const marginH = Math.round(layout.width * SIDE_MARGIN);
  const marginV = Math.round(layout.height * BOTTOM_MARGIN);
  // A dark outline and a soft shadow keep white and highlighted text readable on light and dark pictures.
  const style = (name: string, primary: string, secondary: string, px = size, alignment = 2, margin = marginV) =>
    `Style: ${name},${captionFont(layout.language)},${px},${primary},${secondary},${OUTLINE},${SHADOW},-1,0,0,0,100,100,0,0,1,${Math.max(2, Math.round(px / 14))},${Math.max(1, Math.round(px / 30))},${alignment},${marginH},${marginH},${margin},1`;
  const titleSize = Math.round(size * TITLE_SCALE);
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
    style('Caption', WHITE, WHITE),
    // Karaoke: a syllable is drawn in the secondary colour until its time, then filled with the primary.
    style('Karaoke', HIGHLIGHT, WHITE),
    // The title: top centre (alignment 8), in the highlight colour, clear of the captions below.
    style('Title', HIGHLIGHT, HIGHLIGHT, titleSize, 8, Math.round(layout.height * TOP_MARGIN)),
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
  ];
  const events = cues.map(
    (c) =>
      `Dialogue: 0,${assTime(c.startSec)},${assTime(c.endSec)},${c.karaoke ? 'Karaoke' : 'Caption'},,0,0,0,,${c.karaoke ? karaokeText(c) : escapeAss(c.text)}`,
  );
  if (title && title.text.trim()) {
    const lines = wrapText(title.text.trim(), layout.language, lineWidthEm(layout) / TITLE_SCALE).slice(0, TITLE_LINES);
    events.push(`Dialogue: 1,${assTime(0)},${assTime(title.untilSec)},Title,,0,0,0,,${escapeAss(lines.join('\n'))}`);
  }
  return [...header, ...events, ''].join('\n');
}

/**
 * `{\kf<cs>}` before each piece fills it over its spoken time; the silence before a piece is an
 * empty `{\k<cs>}` syllable. Times are whole centiseconds from the event's (rounded) start.
 */
function karaokeText(cue: CaptionCue): string {
  const origin = centis(cue.startSec);
  const length = centis(cue.endSec) - origin;
  let cursor = 0;
  let out = '';
  for (const piece of cue.karaoke ?? []) {
    const start = Math.min(length, Math.max(cursor, centis(piece.startSec) - origin));
    const end = Math.min(length, Math.max(start, centis(piece.endSec) - origin));
    if (start > cursor) out += `{\\k${start - cursor}}`;
    out += `{\\kf${end - start}}${escapeAss(piece.text)}`;
    cursor = end;
  }
  return out;
}

function escapeAss(text: string): string {
  // Braces open override blocks and backslashes start tags in ASS: use look-alike full-width forms.
  return text.replace(/\\/g, '＼').replace(/\{/g, '｛').replace(/\}/g, '｝').replace(/\n/g, '\\N');
}

function centis(sec: number): number {
  return Math.max(0, Math.round(sec * 100));
}

function assTime(sec: number): string {
  const cs = centis(sec);
  const h = Math.floor(cs / 360000);
  const m = Math.floor((cs % 360000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}
