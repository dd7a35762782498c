import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.js';
import { shortRequestSchema } from '../src/domain/shortRequest.js';

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
