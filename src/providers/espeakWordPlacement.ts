/**
 * The matching of words to runs of sound: each word's length in the measuring clip (one run per word,
 * when espeak cooperates), then the words grouped into the natural clip's runs by length and
 * punctuation, each taking its in-context share of its run. Pure: lengths and runs in, timings out.
 */
import type { WordTiming } from '../domain/words.js';
import type { SoundRun } from './espeakLevels.js';
import { type AlignmentUnit, BREAK_MS } from './espeakWords.js';

interface Group {
  /** Units [u0, u1) go with runs [r0, r1); one of the two ranges has length 1. */
  u0: number;
  u1: number;
  r0: number;
  r1: number;
}

/**
 * The cheapest monotone pairing of `units` (0..n) with `runs` (0..m): a group is several units in one
 * run or one unit over several runs. Dynamic programming over (units used, runs used).
 */
function pairGroups(n: number, m: number, cost: (g: Group) => number, maxUnits: number, maxRuns: number): Group[] {
  const best = new Float64Array((n + 1) * (m + 1)).fill(Infinity);
  const from = new Int32Array((n + 1) * (m + 1) * 2).fill(-1);
  const at = (i: number, j: number) => i * (m + 1) + j;
  best[0] = 0;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      const here = best[at(i, j)]!;
      if (!Number.isFinite(here) || i === n || j === m) continue;
      const relax = (g: Group) => {
        const value = here + cost(g);
        const k = at(g.u1, g.r1);
        if (value < best[k]!) {
          best[k] = value;
          from[2 * k] = i;
          from[2 * k + 1] = j;
        }
      };
      for (let p = 1; p <= maxUnits && i + p <= n; p++) relax({ u0: i, u1: i + p, r0: j, r1: j + 1 });
      for (let q = 2; q <= maxRuns && j + q <= m; q++) relax({ u0: i, u1: i + 1, r0: j, r1: j + q });
    }
  }
  if (!Number.isFinite(best[at(n, m)]!)) return [];
  const groups: Group[] = [];
  for (let i = n, j = m; i > 0 || j > 0;) {
    const k = at(i, j);
    const pi = from[2 * k]!;
    const pj = from[2 * k + 1]!;
    groups.push({ u0: pi, u1: i, r0: pj, r1: j });
    i = pi;
    j = pj;
  }
  return groups.reverse();
}

/** Prefix sums: `total(from, to)` is the sum of `xs[from..to)` in O(1). */
function prefixSums(xs: readonly number[]): (from: number, to: number) => number {
  const acc = new Float64Array(xs.length + 1);
  xs.forEach((x, i) => (acc[i + 1] = acc[i]! + x));
  return (from, to) => acc[to]! - acc[from]!;
}

const runLength = (r: SoundRun) => r.endSec - r.startSec;

/**
 * Each unit's length in the measuring clip, where the runs should be one per unit. When they are
 * not (a word espeak kept silent, a long pause inside one word), units and runs are paired by
 * length, and a run shared by several units is split by their letters.
 */
export function isolatedLengths(units: readonly AlignmentUnit[], runs: readonly SoundRun[]): number[] {
  const letters = units.map((u) => Math.max(1, u.letters));
  if (runs.length === units.length) return runs.map(runLength);
  const withSilent = silentUnitsFilledIn(runs, letters);
  if (withSilent.length === units.length) return withSilent;
  const letterSum = prefixSums(letters);
  const runSum = prefixSums(runs.map(runLength));
  const perLetter = runs.length ? runSum(0, runs.length) / letterSum(0, letters.length) : 0.08;
  const groups = pairGroups(
    units.length,
    runs.length,
    (g) =>
      Math.log((perLetter * letterSum(g.u0, g.u1)) / runSum(g.r0, g.r1)) ** 2 +
      0.5 * (g.u1 - g.u0 - 1 + (g.r1 - g.r0 - 1)),
    4,
    4,
  );
  if (groups.length === 0) return letters.map((l) => l * perLetter);
  return groups.flatMap((g) => {
    const share = runSum(g.r0, g.r1) / letterSum(g.u0, g.u1);
    return letters.slice(g.u0, g.u1).map((l) => l * share);
  });
}

/**
 * Runs and the words espeak kept silent between them (it says nothing for some words on their own,
 * e.g. a Japanese kanji with okurigana): such a word leaves one more break in the gap, so a gap of
 * k+1 breaks holds k silent words. Breaks come out up to ~170 ms longer than asked (a pause espeak adds
 * before a change of language), never shorter. A silent word gets its letters' worth of the median
 * length per letter, since it is spoken in the natural clip.
 */
function silentUnitsFilledIn(runs: readonly SoundRun[], letters: readonly number[]): number[] {
  const breakSec = BREAK_MS / 1000;
  const slots: (number | undefined)[] = [];
  runs.forEach((run, i) => {
    if (i > 0) {
      const gap = run.startSec - runs[i - 1]!.endSec;
      for (let k = Math.floor((gap + 0.2) / breakSec) - 1; k > 0; k--) slots.push(undefined);
    }
    slots.push(runLength(run));
  });
  const perLetter = slots
    .map((length, i) => (length === undefined ? undefined : length / letters[i]!))
    .filter((x): x is number => x !== undefined && Number.isFinite(x))
    .sort((a, b) => a - b);
  const median = perLetter[perLetter.length >> 1] ?? 0.1;
  return slots.map((length, i) => length ?? median * (letters[i] ?? 1));
}

/**
 * Cost of a pause where the text has no punctuation. espeak does pause briefly there at a change of
 * language (Japanese kanji are read as English "Chinese letter"), but a long pause is a sentence's end.
 */
const pauseCost = (gapSec: number) => (gapSec >= LONG_PAUSE_SEC ? 2 : 0.3);
const LONG_PAUSE_SEC = 0.25;
/** Cost of punctuation without a pause (espeak pauses after clause punctuation). */
const PUNCTUATION_WITHOUT_PAUSE = 0.4;
/** Cost of each extra run under one word (a long silence inside a word). */
const WORD_OVER_RUNS = 1;
/** More words than this between two pauses do not happen in espeak's speech; it bounds the search. */
const MAX_WORDS_PER_RUN = 60;

/**
 * Places the units on the natural clip: units are grouped into its runs of sound (the run lengths
 * against the units' isolated lengths, pauses where the punctuation is), and inside a run each unit
 * takes the share of its in-context length (`shares`, by default the isolated lengths).
 */
export function placeUnits(
  units: readonly AlignmentUnit[],
  isolated: readonly number[],
  runs: readonly SoundRun[],
  shares: readonly number[] = isolated,
): WordTiming[] {
  if (units.length === 0 || runs.length === 0) return [];
  const isolatedSum = prefixSums(isolated);
  const clauseEnds = prefixSums(units.map((u) => (u.clauseEnd ? 1 : 0)));
  const scale = prefixSums(runs.map(runLength))(0, runs.length) / isolatedSum(0, isolated.length);
  const span = (r0: number, r1: number) => runs[r1 - 1]!.endSec - runs[r0]!.startSec;
  const groups = pairGroups(
    units.length,
    runs.length,
    (g) =>
      Math.log((scale * isolatedSum(g.u0, g.u1)) / span(g.r0, g.r1)) ** 2 +
      (g.u1 < units.length && g.r1 < runs.length && !units[g.u1 - 1]!.clauseEnd
        ? pauseCost(runs[g.r1]!.startSec - runs[g.r1 - 1]!.endSec)
        : 0) +
      PUNCTUATION_WITHOUT_PAUSE * clauseEnds(g.u0, g.u1 - 1) +
      WORD_OVER_RUNS * (g.r1 - g.r0 - 1),
    MAX_WORDS_PER_RUN,
    6,
  );
  // No pairing within the bounds: spread the words over the whole speech instead.
  if (groups.length === 0) groups.push({ u0: 0, u1: units.length, r0: 0, r1: runs.length });
  const shareSum = prefixSums(shares);
  return groups.flatMap((g) => {
    const from = runs[g.r0]!.startSec;
    const perSec = span(g.r0, g.r1) / shareSum(g.u0, g.u1);
    return units.slice(g.u0, g.u1).map((unit, k) => ({
      text: unit.text,
      startSec: round3(from + perSec * shareSum(g.u0, g.u0 + k)),
      endSec: round3(from + perSec * shareSum(g.u0, g.u0 + k + 1)),
    }));
  });
}

/** What a word said on its own has on top of the same word in running speech (onset and release). */
const ISOLATION_OVERHEAD_SEC = 0.05;
/** How much of a word's share in a run comes from its isolated length; the rest from its letters. */
const ISOLATED_WEIGHT = 0.75;

/**
 * Relative lengths of the words in running speech. A word said on its own is lengthened at its edges,
 * and in Chinese the citation form of a syllable varies more than syllables do in a sentence; so the
 * isolated length, less its overhead, is blended 3:1 with the word's letter share. Fitted against
 * espeak-ng's own word events (libespeak-ng, 10 texts in 5 languages): mean start error 43 ms with
 * this, 52 ms with the isolated lengths alone, 58 ms with letters alone.
 */
export function inContextLengths(units: readonly AlignmentUnit[], isolated: readonly number[]): number[] {
  const letters = units.map((u) => Math.max(1, u.letters));
  const perLetter = prefixSums(isolated)(0, isolated.length) / prefixSums(letters)(0, letters.length);
  return isolated.map(
    (d, i) =>
      ISOLATED_WEIGHT * Math.max(d - ISOLATION_OVERHEAD_SEC, 0.3 * d) + (1 - ISOLATED_WEIGHT) * letters[i]! * perLetter,
  );
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
