/** The moment rules on their own: a planner's answer checked and snapped, and the offline picker. */
import { describe, expect, it } from 'vitest';
import { checkMoments, densestStretches, momentWordTimings, type TimedWord } from '../src/domain/moments.js';

/** A word every second from 10 to 19 s, three at 40–42 s, one at 70 s; each lasts 0.5 s. */
const WORDS: TimedWord[] = [
  ...Array.from({ length: 10 }, (_, i) => ({ word: `a${i}`, start: 10 + i, end: 10.5 + i })),
  ...[40, 41, 42].map((t, i) => ({ word: `b${i}`, start: t, end: t + 0.5 })),
  { word: 'c0', start: 70, end: 70.5 },
];
const RULES = { count: 2, lengthSec: 10, durationSec: 90 };

describe('checkMoments', () => {
  it('snaps a moment to whole words: just before the first, just after the last, never into a neighbour', () => {
    const checked = checkMoments(
      { moments: [{ start: 11.2, end: 19.9, title: 'T', reason: 'R', hook: 'H' }] },
      WORDS,
      RULES,
    );
    expect('moments' in checked).toBe(true);
    if (!('moments' in checked)) return;
    const [m] = checked.moments;
    // a1 (11–11.5) is the first word inside (a word cut by ≤ 0.3 s counts): the cut starts after a0 ends.
    expect(m!.startSec).toBe(10.85);
    expect(m!.endSec).toBe(19.9);
    expect(m!.text).toBe('a1 a2 a3 a4 a5 a6 a7 a8 a9');
    expect([m!.title, m!.reason, m!.hook]).toEqual(['T', 'R', 'H']);
  });

  it('says what is wrong: too many, too long, outside the video, silent, overlapping', () => {
    const problems = (moments: unknown[]) => {
      const checked = checkMoments({ moments }, WORDS, RULES);
      return 'problems' in checked ? checked.problems.join(' | ') : '';
    };
    expect(
      problems([
        { start: 9, end: 19 },
        { start: 38, end: 45 },
        { start: 65, end: 75 },
      ]),
    ).toMatch(/3 moments were given; at most 2/);
    expect(problems([{ start: 0, end: 40 }])).toMatch(/lasts 40\.0 s; make it 5–15 s/);
    expect(problems([{ start: 85, end: 95 }])).toMatch(/outside the video/);
    expect(problems([{ start: 50, end: 60 }])).toMatch(/nothing is said between 50 and 60 s/);
    expect(
      problems([
        { start: 9, end: 18 },
        { start: 15, end: 22 },
      ]),
    ).toMatch(/overlap/);
    expect(problems([{ start: 'x', end: 3 }])).toMatch(/must be numbers/);
    expect(checkMoments({ answer: 'no' }, WORDS, RULES)).toEqual({ problems: ['the answer has no "moments" array'] });
  });
});

describe('densestStretches', () => {
  it('takes the stretches with the most words, none overlapping, in the video’s order', () => {
    const picked = densestStretches(WORDS, { ...RULES, count: 3 });
    expect(picked.map((p) => Math.round(p.start))).toEqual([10, 40, 70]);
    const checked = checkMoments({ moments: picked }, WORDS, { ...RULES, count: 3 });
    expect('moments' in checked && checked.moments.map((m) => m.text.split(' ').length)).toEqual([10, 3, 1]);
  });

  it('a video shorter than the asked length gives one stretch of the whole video', () => {
    const picked = densestStretches(WORDS, { count: 2, lengthSec: 60, durationSec: 30 });
    expect(picked).toEqual([{ start: 0, end: 30 }]);
  });
});

it('momentWordTimings: the words of a moment relative to its start, for captions', () => {
  expect(momentWordTimings(WORDS, 39.85, 42.9)).toEqual([
    { text: 'b0', startSec: 0.15, endSec: 0.65 },
    { text: 'b1', startSec: 1.15, endSec: 1.65 },
    { text: 'b2', startSec: 2.15, endSec: 2.65 },
  ]);
});
