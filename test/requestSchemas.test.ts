import { describe, expect, it } from 'vitest';
import { batchRequestSchema } from '../src/domain/batch.js';
import { mergeFields, modelInputSchema } from '../src/domain/fields.js';
import { shortRequestSchema, shortVideoInputSchema } from '../src/domain/shortRequest.js';
import { hasVisibleText, stripControlCharacters } from '../src/text/clean.js';

describe('shortRequestSchema', () => {
  it('fills the documented defaults', () => {
    expect(shortRequestSchema.parse({ story: 'Hi.' })).toEqual({
      story: 'Hi.',
      sceneCount: 5,
      aspect: '9:16',
      fps: 30,
      transition: { type: 'crossfade', duration: 0.5 },
      captions: true,
      structure: 'scenes',
      style: 'storybook illustration',
    });
  });

  it('rejects unknown fields and out-of-range values', () => {
    expect(shortRequestSchema.safeParse({ story: 'x', sceneCount: 13 }).success).toBe(false);
    expect(shortRequestSchema.safeParse({ story: 'x', colour: 'red' }).success).toBe(false);
    expect(shortRequestSchema.safeParse({ story: 'x'.repeat(20_001) }).success).toBe(false);
    expect(shortRequestSchema.safeParse({ story: '   ' }).success).toBe(false);
    expect(shortRequestSchema.safeParse({ story: 'x', structure: 'five-act', sceneCount: 4 }).success).toBe(false);
    expect(shortRequestSchema.safeParse({ story: 'x', voice: 'a', narration: { voice: 'b' } }).success).toBe(false);
    expect(shortRequestSchema.safeParse({ story: 'x', music: { source: 'url' } }).success).toBe(false);
    expect(
      shortRequestSchema.safeParse({ story: 'x', music: { source: 'url', url: 'file:///etc/passwd' } }).success,
    ).toBe(false);
  });

  it('takes the planner, narration, caption and music choices', () => {
    const parsed = shortRequestSchema.parse({
      story: 'x',
      planner: 'llm',
      structure: 'five-act',
      targetSeconds: 30,
      narration: { provider: 'elevenlabs', voice: 'Rachel', speed: 1.1 },
      captions: { style: 'karaoke' },
      music: { source: 'url', url: 'https://example.com/bed.mp3' },
    });
    expect(parsed).toMatchObject({
      planner: 'llm',
      structure: 'five-act',
      captions: { style: 'karaoke' },
      music: { source: 'url', volume: 0.3 },
    });
  });
});

describe('shortVideoInputSchema', () => {
  it('takes the operator-only render queue that the request schema refuses', () => {
    expect(shortVideoInputSchema.parse({ story: 'Hi.', renderTaskQueue: 'q-render' }).renderTaskQueue).toBe('q-render');
    expect(shortRequestSchema.safeParse({ story: 'Hi.', renderTaskQueue: 'q-render' }).success).toBe(false);
  });
});

describe('batchRequestSchema', () => {
  it('fills download and trims prompts, keeping output names as given', () => {
    expect(batchRequestSchema.parse({ tasks: [{ prompt: '  A red car ', output_filename: 'car.png' }] })).toEqual({
      tasks: [{ prompt: 'A red car', output_filename: 'car.png' }],
      download: true,
    });
  });
});

describe('user text and model input', () => {
  it('strips control characters but keeps newlines and tabs, and turns CR into LF', () => {
    expect(stripControlCharacters('a\u0000b\u0007c\r\nd\te\u202ef')).toBe('abc\nd\tef');
  });

  it('knows when nothing visible is left', () => {
    expect(hasVisibleText('\u200b\u200c\u200d\u2060\ufeff \n')).toBe(false);
    for (const text of ['A', '狐', '여우', 'Лиса', '!', '5', '🦊']) expect(hasVisibleText(text)).toBe(true);
  });

  it('modelInput refuses prototype keys and nested values', () => {
    expect(modelInputSchema.safeParse(JSON.parse('{"__proto__":{"x":1}}')).success).toBe(false);
    expect(modelInputSchema.safeParse({ prototype: 1 }).success).toBe(false);
    expect(modelInputSchema.safeParse({ steps: { $gt: 1 } }).success).toBe(false);
    expect(modelInputSchema.safeParse({ steps: 4, seed: 'x', hd: true }).success).toBe(true);
  });

  it('a merge never copies a prototype key', () => {
    const merged = mergeFields(
      { a: 1 },
      JSON.parse('{"__proto__":{"polluted":true},"b":2}') as Record<string, unknown>,
    );
    expect(merged).toEqual({ a: 1, b: 2 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
