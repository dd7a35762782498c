import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Forks, not threads: the Temporal core bridge is a native module that wants its own process.
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/support/globalSetup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Payloads are encrypted in the suite as in production, with a key made for this run. Test
    // files and every `reelflow` process they spawn inherit it (test/support/temporal.ts).
    env: { PAYLOAD_ENCRYPTION: 'on', PAYLOAD_KEYS: `suite-${Date.now()}:${randomBytes(32).toString('base64')}` },
  },
});
