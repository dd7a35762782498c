import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Language } from '../src/domain/shortRequest.js';
import { buildAss, captionFont, sceneCues, textWidthEm, wrapText } from '../src/media/captions.js';
import { brightShare } from './support/media.js';

const layout = { width: 1080, height: 1920 };

describe('wrapText', () => {
  it('wraps English between words within the width', () => {
    const lines = wrapText('A small fox woke up in the forest, hungry and curious about the day ahead.', 'en', 15);
    expect(lines.join(' ')).toBe('A small fox woke up in the forest, hungry and curious about the day ahead.');
    for (const line of lines) expect(textWidthEm(line)).toBeLessThanOrEqual(15);
  });

  it('wraps Chinese between characters, never starting a line with closing punctuation', () => {
    const lines = wrapText('一只小狐狸在森林里醒来了。它又饿又好奇，于是跑到河边去抓鱼。', 'zh', 8);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      expect(textWidthEm(line)).toBeLessThanOrEqual(8);
      expect(line).not.toMatch(/^[。，！？]/u);
    }
    expect(lines.join('')).toBe('一只小狐狸在森林里醒来了。它又饿又好奇，于是跑到河边去抓鱼。');
  });

  it('keeps Latin words whole inside Chinese text', () => {
    expect(wrapText('我们去 Hello World 看看', 'zh', 20)).toEqual(['我们去 Hello World 看看']);
  });

  it('cuts a single word wider than the line', () => {
    const lines = wrapText('Supercalifragilisticexpialidocious', 'en', 8);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(textWidthEm(line)).toBeLessThanOrEqual(8);
  });
});

describe('sceneCues', () => {
  it('splits long narration into timed pages of at most two lines covering the narration', () => {
    const text =
      'Маленькая лиса проснулась в лесу. Она была голодной и любопытной. Лиса побежала к реке, чтобы поймать рыбу.';
    const cues = sceneCues(text, 10, 6, { ...layout, language: 'ru' });
    expect(cues.length).toBeGreaterThan(1);
    expect(cues[0]!.startSec).toBe(10);
    expect(cues.at(-1)!.endSec).toBeCloseTo(16, 5);
    for (const cue of cues) expect(cue.text.split('\n').length).toBeLessThanOrEqual(2);
  });
});

describe('buildAss', () => {
  it('escapes override braces so story text cannot inject ASS tags', () => {
    const ass = buildAss([{ startSec: 0, endSec: 1, text: 'a {\\b1} b' }], { ...layout, language: 'en' });
    const dialogue = ass.split('\n').find((l) => l.startsWith('Dialogue'))!;
    expect(dialogue).not.toContain('{');
    expect(dialogue).toContain('a ｛＼b1｝ b');
  });

  it.each([
    ['en', 'Hello', '48'],
    ['ru', 'Привет', '41f'],
    ['zh', '你好', '4f60'],
    ['ko', '안녕', 'c548'],
    ['ja', 'かな', '304b'],
  ] as [Language, string, string][])(
    '%s captions use an installed font that has the glyphs and draw them',
    async (language, text, codepoint) => {
      // The exact family: "Noto Sans" is a substring of "Noto Sans CJK JP", which covers Latin too.
      const families = execFileSync('fc-list', [`:charset=${codepoint}`, 'family'], { encoding: 'utf8' });
      expect(families.split(/[,\n]/u)).toContain(captionFont(language));

      // Burn the caption onto black with libass and check that white text pixels appear in the caption band.
      const dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-ass-'));
      await writeFile(
        path.join(dir, 'c.ass'),
        buildAss([{ startSec: 0, endSec: 5, text: text.repeat(3) }], { width: 360, height: 640, language }),
      );
      const frame = execFileSync(
        'ffmpeg',
        [
          '-v',
          'error',
          '-f',
          'lavfi',
          '-i',
          'color=black:s=360x640:d=1',
          '-vf',
          'ass=c.ass,format=gray',
          '-frames:v',
          '1',
          '-f',
          'rawvideo',
          '-',
        ],
        { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
      );
      expect(brightShare(frame, 360, 380, 520)).toBeGreaterThan(0.005);
      expect(brightShare(frame, 360, 0, 300)).toBe(0);
    },
  );
});
