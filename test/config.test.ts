import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.js';
import { shortRequestSchema } from '../src/domain/shortRequest.js';
import { newShortId, requestFingerprint, shortIdForIdempotencyKey } from '../src/client/shortIds.js';

describe('parseConfig', () => {
  it('has working defaults', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ taskQueue: 'reelflow', renderTaskQueue: 'reelflow-render', api: { port: 8787 } });
    expect(config.renderConcurrency).toBeGreaterThanOrEqual(1);
  });

  it('fails fast naming the variable that is wrong', () => {
    expect(() => parseConfig({ API_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => parseConfig({ API_PORT: 'eighty' })).toThrow(/API_PORT/);
    expect(() => parseConfig({ RENDER_PRESET: 'turbo' })).toThrow(/RENDER_PRESET/);
  });
});

describe('shortRequestSchema', () => {
  it('fills the documented defaults', () => {
    expect(shortRequestSchema.parse({ story: 'Hi.' })).toEqual({
      story: 'Hi.',
      sceneCount: 5,
      aspect: '9:16',
      fps: 30,
      transition: { type: 'crossfade', duration: 0.5 },
      captions: true,
      style: 'storybook illustration',
    });
  });

  it('rejects unknown fields and out-of-range values', () => {
    expect(shortRequestSchema.safeParse({ story: 'x', sceneCount: 13 }).success).toBe(false);
    expect(shortRequestSchema.safeParse({ story: 'x', colour: 'red' }).success).toBe(false);
    expect(shortRequestSchema.safeParse({ story: 'x'.repeat(20_001) }).success).toBe(false);
    expect(shortRequestSchema.safeParse({ story: '   ' }).success).toBe(false);
  });
});

describe('short ids', () => {
  it('are readable for Latin stories and URL-safe for all', () => {
    expect(newShortId('A small fox woke up in the forest.')).toMatch(/^short-en-a-small-fox-woke-up-[a-z0-9]{6}$/);
    expect(newShortId('Лиса проснулась.')).toMatch(/^short-ru-[a-z0-9]{6}$/);
  });

  it('hash idempotency keys so the key never appears, and fingerprint requests stably', () => {
    const id = shortIdForIdempotencyKey('my-secret-key');
    expect(id).toBe(shortIdForIdempotencyKey('my-secret-key'));
    expect(id).not.toContain('secret');
    expect(requestFingerprint({ a: 1, b: { c: 2 } })).toBe(requestFingerprint({ b: { c: 2 }, a: 1 }));
  });
});
