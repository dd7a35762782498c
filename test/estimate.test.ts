/**
 * Estimates before anything runs: POST /v1/estimate prices a short or a batch from its start body
 * with the catalog's prices, validates it exactly like a start, and `make --estimate` prints the
 * same without a Temporal server. Nothing is started and no provider is called (the configured
 * Replicate URL is a port nothing listens on).
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import { LocalStorage } from '../src/storage/index.js';
import type { Estimate } from '../src/runs/estimate.js';
import { expectError, postJson } from './support/api.js';
import { reelflow } from './support/cli.js';
import { freePort, testToken } from './support/replicate.js';
import { connectTestClient, tempDataDir } from './support/temporal.js';

const STORY =
  'A kite rose over the dunes. A silver fish leapt from the sea. The lighthouse blinked at dusk. ' +
  'A fox curled up by the fire. The moon rose over the hill.';

let client: Client;
let app: ReturnType<typeof createApp>;
let nowhere: string;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  nowhere = `http://127.0.0.1:${await freePort()}/v1`;
  const dataDir = await tempDataDir();
  const config = parseConfig({ DATA_DIR: dataDir, REPLICATE_API_TOKEN: testToken(1), REPLICATE_BASE_URL: nowhere });
  app = createApp({ client, config, storage: new LocalStorage(dataDir) });
});

afterAll(async () => {
  await client?.connection.close();
});

async function estimate(body: unknown): Promise<{ kind: string; estimate: Estimate }> {
  const res = await postJson(app, '/v1/estimate', body, {}, started);
  expect(res.status).toBe(200);
  return (await res.json()) as { kind: string; estimate: Estimate };
}

describe('POST /v1/estimate', () => {
  it('prices a short of stills, a text-to-video clip and an animated still from the catalog', async () => {
    const { kind, estimate: e } = await estimate({
      story: STORY,
      sceneCount: 5,
      visuals: ['video', 'image', 'image-to-video', 'image', 'image'],
    });
    expect(kind).toBe('short');
    // Stills for the 3 image scenes and the animated one (flux-schnell $0.003); 5 s clips: Kling
    // v2.5 Turbo Pro at $0.07/s, Kling v2.1 standard at $0.05/s (each scene narrates < 5 s).
    expect(e.lines).toEqual([
      expect.objectContaining({
        what: 'scene image',
        model: 'black-forest-labs/flux-schnell',
        count: 4,
        eachUsd: 0.003,
        usd: 0.012,
      }),
      expect.objectContaining({
        what: 'scene clip (video)',
        model: 'kwaivgi/kling-v2.5-turbo-pro',
        count: 1,
        usd: 0.35,
      }),
      expect.objectContaining({
        what: 'scene clip (image-to-video)',
        model: 'kwaivgi/kling-v2.1',
        count: 1,
        usd: 0.25,
      }),
    ]);
    expect(e).toMatchObject({ usd: 0.612, predictions: 6, unpriced: 0 });
    expect(started.size).toBe(0);
  });

  it('prices a batch by its outputs, and counts a model without a known price as unpriced, not free', async () => {
    const { kind, estimate: e } = await estimate({
      tasks: [{ prompt: 'A red car' }, { prompt: 'A blue boat' }, { prompt: 'A green tree' }],
      modelInput: { num_outputs: 2 },
    });
    expect(kind).toBe('batch');
    expect(e).toMatchObject({ usd: 0.018, predictions: 3, unpriced: 0 });
    expect(e.lines[0]).toMatchObject({ count: 3, eachUsd: 0.006, basis: '2 image(s) × $0.003' });

    const unknown = await estimate({ tasks: [{ prompt: 'A red car' }], model: 'someone/unlisted-model' });
    expect(unknown.estimate).toMatchObject({ usd: 0, predictions: 1, unpriced: 1 });
    expect(unknown.estimate.lines[0]).toMatchObject({ basis: 'price unknown' });
    expect(unknown.estimate.lines[0]!.usd).toBeUndefined();
  });

  it('refuses what a start would refuse, with the same errors', async () => {
    await expectError(await postJson(app, '/v1/estimate', { story: '' }, {}, started), 400, 'invalid_request');
    await expectError(await postJson(app, '/v1/estimate', { tasks: [] }, {}, started), 400, 'invalid_request');
    await expectError(
      await postJson(app, '/v1/estimate', { story: STORY, provider: 'offline', visuals: 'video' }, {}, started),
      400,
      'invalid_request',
    );
    const res = await app.request('/v1/estimate', { method: 'GET' });
    expect(res.status).toBe(405);
  });
});

describe('reelflow make --estimate', () => {
  it('prints the estimate and starts nothing, with no Temporal server to talk to', { timeout: 60_000 }, async () => {
    const result = await reelflow(['make', '--story', STORY, '--scenes', '5', '--visuals', 'video', '--estimate'], {
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      DATA_DIR: await tempDataDir(),
      REPLICATE_API_TOKEN: testToken(2),
      REPLICATE_BASE_URL: nowhere,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('scene clip (video) ×5');
    expect(result.stdout).toContain('kwaivgi/kling-v2.5-turbo-pro');
    expect(result.stdout).toMatch(/total ≈ \$1\.7500 for 5 predictions/);
    expect(result.stdout).not.toContain(testToken(2));
  });
});
