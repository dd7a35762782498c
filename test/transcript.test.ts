/**
 * The merge of chunk transcripts into one timeline, and its SRT and WebVTT: offsets, words heard by
 * two overlapping chunks kept once, a missing (failed) chunk, scripts written without spaces, and
 * model output that is not what WhisperX sends.
 */
import { describe, expect, it } from 'vitest';
import { planCuts } from '../src/media/chunks/split.js';
import { mergeChunkTranscripts, parseModelTranscript, toSrt, toVtt } from '../src/domain/transcript.js';

const seg = (words: [string, number, number][]) => ({
  start: words[0]![1],
  end: words.at(-1)![2],
  text: words.map((w) => w[0]).join(' '),
  words: words.map(([word, start, end]) => ({ word, start, end })),
});

describe('merging chunk transcripts', () => {
  it('shifts every time by its chunk offset and keeps a word two overlapping chunks heard once', () => {
    const merged = mergeChunkTranscripts(
      [
        // Chunk 1 runs to 62 s (2 s of overlap): it also heard "river" at 60.5 s.
        { startSec: 0, endSec: 62, language: 'en', segments: [seg([['fox', 10, 10.4]]), seg([['river', 60.5, 61]])] },
        {
          startSec: 60,
          endSec: 120,
          language: 'en',
          segments: [
            seg([
              ['river', 0.5, 1],
              ['moon', 1.5, 1.9],
            ]),
          ],
        },
      ],
      120,
    );
    const words = merged.segments.flatMap((s) => s.words);
    expect(words).toEqual([
      { word: 'fox', start: 10, end: 10.4 },
      { word: 'river', start: 60.5, end: 61 },
      { word: 'moon', start: 61.5, end: 61.9 },
    ]);
    expect(merged.segments.map((s) => s.text)).toEqual(['fox', 'river moon']);
  });

  it('a failed chunk leaves a gap, not a shift; Chinese and Japanese words join without spaces', () => {
    const merged = mergeChunkTranscripts(
      [
        {
          startSec: 0,
          endSec: 60,
          language: 'zh',
          segments: [
            seg([
              ['你好', 1, 1.5],
              ['世界', 1.6, 2],
            ]),
          ],
        },
        { startSec: 120, endSec: 180, language: 'zh', segments: [seg([['再见', 3, 3.5]])] },
      ],
      180,
    );
    expect(merged.language).toBe('zh');
    expect(merged.segments.map((s) => [s.text, s.start])).toEqual([
      ['你好世界', 1],
      ['再见', 123],
    ]);
  });

  it('writes SRT and WebVTT with hours, minutes, seconds and milliseconds', () => {
    const merged = mergeChunkTranscripts(
      [{ startSec: 3600, endSec: 3700, language: 'en', segments: [seg([['owl', 61.25, 62.5]])] }],
      3700,
    );
    expect(toSrt(merged)).toBe('1\n01:01:01,250 --> 01:01:02,500\nowl\n');
    expect(toVtt(merged)).toBe('WEBVTT\n\n01:01:01.250 --> 01:01:02.500\nowl\n');
  });

  it('refuses model output without segments or with times that are not numbers; unaligned words stay in the text', () => {
    expect(() => parseModelTranscript({ text: 'hi' })).toThrow(/no segments/);
    expect(() => parseModelTranscript({ segments: [{ start: 'soon', end: 1, text: 'x', words: [] }] })).toThrow(
      /segment start/,
    );
    const parsed = parseModelTranscript({
      detected_language: 'ru',
      segments: [{ start: 0, end: 1, text: 'да 42', words: [{ word: 'да', start: 0, end: 0.4 }, { word: '42' }] }],
    });
    expect(parsed).toEqual({
      language: 'ru',
      segments: [{ start: 0, end: 1, text: 'да 42', words: [{ word: 'да', start: 0, end: 0.4 }] }],
    });
  });
});

describe('planning the cuts', () => {
  it('moves each boundary onto the nearest silence in reach, and keeps it where no silence is', () => {
    const silences = [
      { start: 1180, end: 1190 },
      { start: 1203, end: 1204 },
      { start: 3000, end: 3001 },
    ];
    expect(planCuts(3600, 1200, silences)).toEqual([1203.5, 2400]);
    expect(planCuts(1000, 1200, silences)).toEqual([]);
  });
});
