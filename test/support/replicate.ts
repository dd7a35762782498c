import { parseReplicateConfig, type ReplicateConfig } from '../../src/config/replicate.js';
import { type ReplicateEmulator, type ReplicateEmulatorOptions, startReplicateEmulator } from '../../src/emulators/replicate/index.js';

/** Realistic-looking test tokens (`r8_` + 36 chars); nothing real, and the tracked-secret check skips them. */
export function testToken(n: number): string {
  return `r8_test${String(n).padStart(2, '0')}${'x'.repeat(23)}k${String(n).padStart(3, '0')}`;
}

export interface PoolFixture {
  emulator: ReplicateEmulator;
  tokens: string[];
  replicate: ReplicateConfig;
}

/** An emulator that knows `keys` tokens, and the pool config pointing at it (limit per key). */
export async function startPoolFixture(keys: number, limit: number, options: ReplicateEmulatorOptions = {}): Promise<PoolFixture> {
  const tokens = Array.from({ length: keys }, (_, i) => testToken(i + 1));
  const emulator = await startReplicateEmulator({ latencySeconds: 0.3, jitter: 0.5, tokens, concurrencyLimit: limit, ...options });
  const env: NodeJS.ProcessEnv = { REPLICATE_BASE_URL: emulator.url, REPLICATE_KEY_CONCURRENCY: String(limit) };
  tokens.forEach((t, i) => (env[`REPLICATE_API_TOKEN_${i + 1}`] = t));
  return { emulator, tokens, replicate: parseReplicateConfig(env) };
}
