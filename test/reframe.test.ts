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

describe('framingOf', () => {
  it('a subject moving on the left: the window goes left, over it', () => {
    const framing = framingOf(
      frames(20, () => [20, 40]),
      COLS,
      ROWS,
      SHARE,
    );
    expect(framing.mode).toBe('subject');
    const span = Math.round(COLS * SHARE);
    const left = framing.x * (COLS - span);
    expect(left).toBeLessThanOrEqual(20);
    expect(left + span).toBeGreaterThanOrEqual(40);
    // Centred on it: the square's middle (column 30) is the window's, as near as the edge allows.
    expect(Math.abs(left + span / 2 - 30)).toBeLessThanOrEqual(1);
  });

  it('a subject moving on the right: the window goes right', () => {
    const framing = framingOf(
      frames(20, () => [130, 150]),
      COLS,
      ROWS,
      SHARE,
    );
    expect(framing.mode).toBe('subject');
    expect(framing.x).toBeGreaterThan(0.8);
  });

  it('a still picture, motion already in the centre, or motion everywhere: the centre', () => {
    expect(
      framingOf(
        frames(20, () => undefined),
        COLS,
        ROWS,
        SHARE,
      ),
    ).toEqual(CENTRE);
    expect(
      framingOf(
        frames(20, () => [70, 90]),
        COLS,
        ROWS,
        SHARE,
      ),
    ).toEqual(CENTRE);
    expect(
      framingOf(
        frames(20, () => [0, COLS]),
        COLS,
        ROWS,
        SHARE,
      ),
    ).toEqual(CENTRE);
  });
});
