/**
 * Word timings for espeak-ng clips, measured from the audio. espeak-ng's CLI reports no word events,
 * so the provider speaks the text a second time as SSML with a long `<break>` between words: in that
 * clip every word is one run of sound, and its length is that word's length in isolation. The natural
 * clip is then cut into its own runs of sound at its pauses (espeak pauses at punctuation), the words
 * are matched to those runs by length and punctuation (a dynamic programme), and inside a run each
 * word gets the share of the run that its in-context length predicts. The result is
 * `wordsSource: 'estimated'`. test/captionTiming.test.ts measures it: word starts at pauses within
 * 5 ms of ffmpeg's silencedetect, and against espeak's own word events (libespeak-ng) a mean error of
 * 37 ms, 90th percentile 88 ms, inside runs where no silence marks the words.
 *
 * Everything here is pure: WAV bytes in, timings out. espeak.ts runs the processes. This file is the
 * entry and the composition; the parts live beside it: espeakWords.ts (the words, the measuring SSML),
 * espeakLevels.ts (WAV levels, runs of sound), espeakWordPlacement.ts (words matched to runs).
 */
import type { WordTiming } from '../domain/words.js';
import { type Levels, soundRuns } from './espeakLevels.js';
import { inContextLengths, isolatedLengths, placeUnits } from './espeakWordPlacement.js';
import { type AlignmentUnit, BREAK_MS } from './espeakWords.js';

export { LevelMeter, type Levels, type SoundRun, soundRuns } from './espeakLevels.js';
export { inContextLengths, isolatedLengths, placeUnits } from './espeakWordPlacement.js';
export { type AlignmentUnit, BREAK_MS, alignmentUnits, ssmlWithBreaks } from './espeakWords.js';

/** Gaps in the measuring clip at least this long separate words (its breaks are BREAK_MS). */
const WORD_GAP_SEC = (BREAK_MS / 1000) * 0.5;
/**
 * Gaps in the natural clip at least this long are pauses. espeak's stop closures inside and between
 * words last up to ~60 ms of silence; its shortest pause (a comma at 160 wpm) is ~175 ms.
 */
const PAUSE_SEC = 0.11;

/**
 * Word timings of `text` in the natural clip, from the levels of that clip and of the measuring clip
 * (`ssmlWithBreaks(alignmentUnits(text))` spoken with the same voice and rate).
 */
export function estimateWordTimings(units: readonly AlignmentUnit[], natural: Levels, measuring: Levels): WordTiming[] {
  const isolated = isolatedLengths(units, soundRuns(measuring, WORD_GAP_SEC));
  return placeUnits(units, isolated, soundRuns(natural, PAUSE_SEC), inContextLengths(units, isolated));
}
