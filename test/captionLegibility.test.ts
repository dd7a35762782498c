import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Language } from '../src/domain/shortRequest.js';
import { buildAss, captionFont, sceneCues } from '../src/media/captions.js';

const run = promisify(execFile);
const W = 1080;
const H = 1920;

/**
 * One caption line per language, each reaching its script's full height: Latin and Cyrillic with
 * capitals, ascenders and descenders (ф, б, р, у), the others with ordinary Han, kana and Hangul.
 */
const LINES: [Language, string][] = [
  ['en', 'Quietly the fox jumped high'],
  ['ru', 'Фёдор увидел бурую рыбу'],
  ['zh', '小狐狸在森林里醒来了'],
  ['ko', '작은 여우가 숲에서 깼다'],
  ['ja', '小さなキツネが森で目覚めた'],
];

/** Burns `ass` onto a black 1080×1920 frame with libass; returns grey pixels and ffmpeg's log. */
async function burn(ass: string, verbose = false): Promise<{ frame: Buffer; log: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-legible-'));
  await writeFile(path.join(dir, 'c.ass'), ass);
  const { stdout, stderr } = await run(
    'ffmpeg',
    ['-v', verbose ? 'verbose' : 'error', '-f', 'lavfi', '-i', `color=black:s=${W}x${H}:d=1`].concat([
      '-vf',
      'ass=c.ass,format=gray',
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-',
    ]),
    { cwd: dir, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return { frame: stdout, log: stderr.toString() };
}

/** The caption's fill is white and its outline near-black: a pixel above mid-grey is text. */
const INK = 128;

/** Rows and columns that hold caption ink. */
function inkBox(frame: Buffer): { rows: number[]; left: number; right: number; top: number; bottom: number } {
  const rows: number[] = [];
  let left = W;
  let right = -1;
  for (let r = 0; r < H; r++) {
    let any = false;
    for (let c = 0; c < W; c++) {
      if (frame[r * W + c]! > INK) {
        any = true;
        left = Math.min(left, c);
        right = Math.max(right, c);
      }
    }
    if (any) rows.push(r);
  }
  return { rows, left, right, top: rows[0] ?? -1, bottom: rows.at(-1) ?? -1 };
}

/** Bands of consecutive inked rows: one per caption line (gaps of a few rows inside a line are bridged). */
function lineBands(rows: number[], bridge: number): [number, number][] {
  const bands: [number, number][] = [];
  for (const r of rows) {
    const last = bands.at(-1);
    if (last && r - last[1] <= bridge) last[1] = r;
    else bands.push([r, r]);
  }
  return bands;
}

const cue = (text: string) => [{ startSec: 0, endSec: 5, text }];

describe('caption legibility across scripts', () => {
  it('renders a line of every script with the same ink height (±8 %) on screen', async () => {
    const heights: Partial<Record<Language, number>> = {};
    for (const [language, text] of LINES) {
      const { frame } = await burn(buildAss(cue(text), { width: W, height: H, language }));
      const box = inkBox(frame);
      expect(lineBands(box.rows, 4), `${language}: one line`).toHaveLength(1);
      heights[language] = box.bottom - box.top + 1;
    }
    const latin = heights.en!;
    const report = JSON.stringify(heights);
    for (const [language] of LINES) {
      expect(Math.abs(heights[language]! / latin - 1), `${language} vs en: ${report}`).toBeLessThanOrEqual(0.08);
    }
  });

  it.each(LINES)('%s: a long page stays in two lines inside the safe area', async (language, line) => {
    const layout = { width: W, height: H, language };
    const narration = Array.from({ length: 6 }, () => line).join(language === 'en' || language === 'ru' ? ' ' : '');
    const [page] = sceneCues(narration, 0, 5, layout);
    expect(page!.text.split('\n')).toHaveLength(2);
    const { frame } = await burn(buildAss([page!], layout));
    const box = inkBox(frame);
    // libass wraps nothing on its own: exactly our two lines, inside 8 % of the sides, above 20 % of the bottom.
    expect(lineBands(box.rows, 4)).toHaveLength(2);
    expect(box.left).toBeGreaterThanOrEqual(W * 0.08);
    expect(box.right).toBeLessThanOrEqual(W * 0.92);
    expect(box.bottom).toBeLessThanOrEqual(H * 0.8);
  });

  it('libass draws every script in its Noto face: Noto Sans for Latin and Cyrillic, not a look-alike', async () => {
    // fontconfig substitutes DejaVu Sans for a missing "Noto Sans" without a word: ask for the family itself.
    const latin = execFileSync('fc-match', ['-f', '%{family}', 'Noto Sans:bold'], { encoding: 'utf8' });
    expect(latin.split(',')).toContain('Noto Sans');
    for (const [language, text] of LINES) {
      const { log } = await burn(buildAss(cue(text), { width: W, height: H, language }), true);
      // libass logs the file it picked for each face it needed; every one must be the caption font's.
      const picked = [...log.matchAll(/fontselect: \((.+?), (\d+), \d+\) -> (.+?), \d+, /g)];
      expect(picked.length, `${language}: ${log}`).toBeGreaterThan(0);
      for (const [, requested, weight, file] of picked) {
        expect(requested).toBe(captionFont(language));
        expect(Number(weight)).toBe(700);
        const families = execFileSync('fc-scan', ['--format', '%{family}\\n', file!], { encoding: 'utf8' });
        expect(families.split(/[,\n]/u), `${language}: ${file}`).toContain(captionFont(language));
      }
      expect(log, `${language}: no glyph from a fallback font`).not.toMatch(/Glyph 0x[0-9A-F]+ not found/iu);
    }
  });
});
