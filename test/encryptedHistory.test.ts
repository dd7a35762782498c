import { type Client, WorkflowFailedError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createApp } from '../src/api/app.js';
import { serveApi } from '../src/api/server.js';
import { type Config, parseConfig } from '../src/config/index.js';
import type { ShortResult } from '../src/domain/result.js';
import { containsSecretShape } from '../src/security/redact.js';
import { LocalStorage } from '../src/storage/index.js';
import { shortVideo } from '../src/workflows/index.js';
import { terminateAll } from './support/api.js';
import { historyText, rawHistoryText } from './support/history.js';
import {
  type RunningWorkers,
  connectTestClient,
  startTestWorkers,
  testConfig,
  testDataConverter,
  workflowBundle,
} from './support/temporal.js';

/**
 * Encryption at rest, end to end: a short made through the API (with an approval edited through a
 * Temporal update) leaves a history on the server that holds none of its text, while a client
 * with the codec (and the temporal CLI through the codec endpoint) reads everything.
 */
const TAG = randomUUID().slice(0, 8);
const STORY =
  `Keeper Quillon Marrowgate${TAG} polished the brass lamp of the northern lighthouse. ` +
  'A gull named Tansy brought him a silver button every morning. In winter the button jar was full.';
const EDITED = `Tansy the gull flew home over the frozen harbour ${TAG}.`;
const CODEC_TOKEN = `codec-test-${randomUUID()}`;
const KEY_MATERIAL = process.env.PAYLOAD_KEYS!.split(':')[1]!;

let client: Client;
let workers: RunningWorkers;
let config: Config;
let app: ReturnType<typeof createApp>;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  workers = await startTestWorkers();
  config = parseConfig({ ...process.env, DATA_DIR: workers.dataDir, CODEC_AUTH_TOKEN: CODEC_TOKEN });
  app = createApp({ client, config, storage: new LocalStorage(workers.dataDir), taskQueue: workers.taskQueue });
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await client?.connection.close();
});

/** The history exactly as the server stores it: straight from the gRPC service, no codec anywhere. */
async function storedHistory(workflowId: string): Promise<temporal.api.history.v1.IHistory> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events };
}

async function post(route: string, body: unknown): Promise<Response> {
  return app.request(route, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('a short with encrypted payloads', () => {
  let id: string;
  const renderPercents: (number | undefined)[] = [];

  beforeAll(async () => {
    const res = await post('/v1/shorts', { story: STORY, sceneCount: 3, fps: 12, captions: false, approval: true });
    expect(res.status).toBe(202);
    ({ id } = (await res.json()) as { id: string });
    started.add(id);
    await vi.waitFor(
      async () => {
        const status = (await (await app.request(`/v1/shorts/${id}`)).json()) as { progress?: { stage: string } };
        expect(status.progress?.stage).toBe('awaiting-approval');
      },
      { timeout: 30_000, interval: 250 },
    );
    const approved = await post(`/v1/shorts/${id}/approve`, { scenes: [{}, { narration: EDITED }, {}] });
    expect(approved.status).toBe(200);
    // Watched through the API to the end: while it renders, the percent comes from renderShort's
    // heartbeats, which are stored encrypted too.
    for (;;) {
      const status = (await (await app.request(`/v1/shorts/${id}`)).json()) as {
        status: string;
        progress?: { stage: string; renderPercent?: number };
      };
      if (status.progress?.stage === 'rendering') renderPercents.push(status.progress.renderPercent);
      if (status.status !== 'running') break;
      await sleep(150);
    }
  });

  it('is stored without its story, its edited narration or anything secret', async () => {
    const raw = rawHistoryText(await storedHistory(id));
    for (const fragment of [`Marrowgate${TAG}`, 'brass lamp', 'silver button', 'button jar', EDITED, 'Tansy']) {
      expect(raw, fragment).not.toContain(fragment);
    }
    expect(raw).not.toContain(CODEC_TOKEN);
    expect(raw).not.toContain(KEY_MATERIAL);
    expect(containsSecretShape(raw)).toBe(false);
    // What is there is ciphertext under the suite's key: the data is all in it.
    expect(raw).toContain('binary/encrypted');
    expect(raw).toContain(testConfig.payloads.keys![0]!.id);
    const decoded = await historyText(await storedHistory(id));
    for (const fragment of [`Marrowgate${TAG}`, EDITED]) expect(decoded).toContain(fragment);
  });

  it('is read whole by a client with the codec, and by the API', async () => {
    const result = (await client.workflow.getHandle(id).result()) as ShortResult;
    expect(result).toMatchObject({ language: 'en', fps: 12, offline: true });
    expect(result.plan?.scenes[1]?.narration).toBe(EDITED);
    const description = await client.workflow.getHandle(id).describe();
    expect(await description.staticSummary()).toContain(`Keeper Quillon Marrowgate${TAG}`);
    const status = (await (await app.request(`/v1/shorts/${id}`)).json()) as { status: string };
    expect(status.status).toBe('completed');
  });

  it("shows the render's live percent, read from its encrypted heartbeats", () => {
    expect(renderPercents.some((p) => typeof p === 'number')).toBe(true);
  });

  it('replays from its encrypted history on today’s code', async () => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(), dataConverter: testDataConverter },
        history,
        id,
      ),
    ).resolves.toBeUndefined();
  });

  it('the temporal CLI shows it only through the codec endpoint', async () => {
    const controller = new AbortController();
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const serving = serveApi(
      { ...config, api: { ...config.api, host: '127.0.0.1', port: 0 } },
      { client, signal: controller.signal, onListening: listening, storage: new LocalStorage(workers.dataDir) },
    );
    try {
      const show = (extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
        promisify(execFile)(
          inject('temporalCliPath'),
          // Payloads as text with --detailed (the JSON output prints their bytes in base64 either way).
          ['workflow', 'show', '--workflow-id', id, '--address', inject('temporalAddress'), '--detailed', ...extra],
          { env: { ...process.env, ...env } },
        );
      const endpoint = `${await url}/codec`;
      expect((await show()).stdout).not.toContain(`Marrowgate${TAG}`);
      const byFlags = await show(['--codec-endpoint', endpoint, '--codec-auth', `Bearer ${CODEC_TOKEN}`]);
      const byEnv = await show([], { TEMPORAL_CODEC_ENDPOINT: endpoint, TEMPORAL_CODEC_AUTH: `Bearer ${CODEC_TOKEN}` });
      for (const decoded of [byFlags, byEnv]) {
        expect(decoded.stdout).toContain(`Marrowgate${TAG}`);
        expect(decoded.stdout).toContain(EDITED);
      }
    } finally {
      controller.abort();
      await serving;
    }
  });
});

describe('a failed run with encrypted failures', () => {
  it('stores its failure message and stack trace encrypted; the client reads them', async () => {
    const workflowId = `short-codec-failure-${randomUUID()}`;
    started.add(workflowId);
    const err = await client.workflow
      .execute(shortVideo, {
        taskQueue: workers.taskQueue,
        workflowId,
        // The workflow parses its input itself: a story of invisible characters fails as InvalidInput.
        args: [{ story: `\u200b\u200b\u200b` } as never],
      })
      .then(
        () => expect.unreachable('the run should fail'),
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as Error & { type?: string };
    expect(cause.type).toBe('InvalidInput');
    expect(cause.message.length).toBeGreaterThan(15);

    const raw = rawHistoryText(await storedHistory(workflowId));
    expect(raw).toContain('Encoded failure');
    expect(raw).not.toContain(cause.message);
    expect(raw).not.toMatch(/src\/workflows|\bat [\w.<>]+ \(/);
  });
});
