/** Where the 9:16 window goes, from grey frames made here: over what moves, else the centre. */
import { describe, expect, it } from 'vitest';
import { CENTRE, framingOf } from '../src/media/reframe.js';

const COLS = 160;
const ROWS = 90;
/** 9:16 of a 16:9 picture. */
const SHARE = (ROWS * 9) / 16 / COLS;

/** `count` grey frames; `moving(f)` says which columns hold a bright square in frame f. */
function frames(count: number, moving: (f: number) => [number, number] | undefined): Buffer {
  const out = Buffer.alloc(COLS * ROWS * count, 100);
  for (let f = 0; f < count; f++) {
    const span = moving(f);
    if (!span) continue;
    const top = 20 + (f % 2) * 30; // it moves up and down between samples
    for (let y = top; y < top + 20; y++)
      for (let x = span[0]; x < span[1]; x++) out[f * COLS * ROWS + y * COLS + x] = 250;
  }
  return out;
}

/** The framing of 20 samples with the square in columns `span` (none: a still picture). */
const framingOver = (span: [number, number] | undefined) =>
  framingOf(
    frames(20, () => span),
    COLS,
    ROWS,
    SHARE,
  );

describe('framingOf', () => {
  it('a subject moving on the left: the window goes left, over it', () => {
    const framing = framingOver([20, 40]);
    expect(framing.mode).toBe('subject');
    const span = Math.round(COLS * SHARE);
    const left = framing.x * (COLS - span);
    expect(left).toBeLessThanOrEqual(20);
    expect(left + span).toBeGreaterThanOrEqual(40);
    // Centred on it: the square's middle (column 30) is the window's, as near as the edge allows.
    expect(Math.abs(left + span / 2 - 30)).toBeLessThanOrEqual(1);
  });

  it('a subject moving on the right: the window goes right', () => {
    const framing = framingOver([130, 150]);
    expect(framing.mode).toBe('subject');
    expect(framing.x).toBeGreaterThan(0.8);
  });

  it('a still picture, motion already in the centre, or motion everywhere: the centre', () => {
    expect(framingOver(undefined)).toEqual(CENTRE);
    expect(framingOver([70, 90])).toEqual(CENTRE);
    expect(framingOver([0, COLS])).toEqual(CENTRE);
  });
});
