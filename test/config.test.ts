import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.js';

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
