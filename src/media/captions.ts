/**
 * Burned-in captions as an ASS subtitle file for ffmpeg's libass: layout and wrapping
 * (captions/layout.ts), word timings mapped onto the text (captions/clock.ts), timed pages and
 * karaoke (captions/cues.ts) and the ASS file itself (captions/ass.ts).
 */
export { buildAss } from './captions/ass.js';
export { type CaptionCue, type CueOptions, type KaraokePiece, sceneCues, wordsFromJson } from './captions/cues.js';
export { type SpeechClock, speechClock } from './captions/clock.js';
export {
  type CaptionLayout,
  type TextSpan,
  captionFont,
  fontSizeFor,
  lineWidthEm,
  textWidthEm,
  wrapSpans,
  wrapText,
} from './captions/layout.js';
