/**
 * Long videos on a user's own Replicate token (the API's second tier), against the emulator's
 * per-token accounting: transcription, scene descriptions and a custom model all predict with the
 * user's token alone (the server's pool pays nothing), the token never shows in a response, and
 * another user can neither see the video nor cut shorts from it.
 */
import type { Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import { type ReplicateEmulator, startReplicateEmulator } from '../src/emulators/replicate/index.js';
import { WHISPERX_VERSION } from '../src/emulators/replicate/builtinTranscribeModels.js';
import { LocalStorage } from '../src/storage/index.js';
import { expectError, terminateAll } from './support/api.js';
import { poolConfig, testToken } from './support/replicate.js';
import { COLOURS, distinctWords, makeColourVideo, makeSpokenVideo } from './support/spokenVideo.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, tempDataDir } from './support/temporal.js';

const SERVER = testToken(71);
const USER = testToken(72);
const OTHER_USER = testToken(73);
const ADMIN_KEY = 'admin-key-for-long-video-tests-0123456789';

let client: Client;
let emulator: ReplicateEmulator;
let workers: RunningWorkers;
let app: ReturnType<typeof createApp>;
let talk: Buffer;
let colours: Buffer;
const started = new Set<string>();

beforeAll(async () => {
  const dir = await tempDataDir();
  const words = await distinctWords();
  await makeSpokenVideo(
    path.join(dir, 'talk.mp4'),
    180,
    [15, 75, 135].map((at, i) => ({ word: words[i]!, at })),
    { picture: 'color=c=0x336699:s=160x90:r=5:d=180' },
  );
  await makeColourVideo(path.join(dir, 'colours.mp4'), COLOURS);
  [talk, colours] = await Promise.all([readFile(path.join(dir, 'talk.mp4')), readFile(path.join(dir, 'colours.mp4'))]);
  client = await connectTestClient();
  emulator = await startReplicateEmulator({
    latencySeconds: 0.2,
    jitter: 0,
    tokens: [SERVER, USER, OTHER_USER],
    concurrencyLimit: 4,
  });
  const replicate = poolConfig([SERVER], emulator.url, 2);
  workers = await startTestWorkers({ replicate });
  const config = parseConfig({
    ...process.env,
    DATA_DIR: workers.dataDir,
    REPLICATE_BASE_URL: emulator.url,
    AUTH_MODE: 'keys',
    ADMIN_KEY_SHA256: createHash('sha256').update(ADMIN_KEY).digest('hex'),
  });
  app = createApp({
    client,
    config: { ...config, replicate },
    storage: new LocalStorage(workers.dataDir),
    taskQueue: workers.taskQueue,
  });
}, 120_000);

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await emulator?.close();
  await client?.connection.close();
});

const createdBy = (token: string) => emulator.stats(token)?.created ?? 0;

async function upload(video: Buffer, fields: Record<string, string>, token: string) {
  const form = new FormData();
  form.set('file', new Blob([video], { type: 'video/mp4' }), 'video.mp4');
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await app.request('/v1/videos', { method: 'POST', body: form, headers: { 'x-replicate-token': token } });
  const text = await res.clone().text();
  for (const secret of [USER, OTHER_USER, SERVER]) expect(text).not.toContain(secret);
  expect(res.status, text).toBe(202);
  const { id } = (await res.json()) as { id: string };
  started.add(id);
  await client.workflow.getHandle(id).result();
  return id;
}

describe('long videos on a user’s own token', () => {
  it(
    'transcribe, describe and custom predict with the user’s token alone; another user sees nothing',
    { timeout: 240_000 },
    async () => {
      const [serverBefore, userBefore] = [createdBy(SERVER), createdBy(USER)];
      const transcribed = await upload(talk, { chunkMinutes: '1' }, USER);
      expect(createdBy(USER) - userBefore, 'a prediction per chunk').toBe(3);
      await upload(colours, { task: 'scenes', chunkMinutes: '2', describe: 'true' }, USER);
      expect(createdBy(USER) - userBefore, 'and one per described scene').toBe(3 + COLOURS.length);
      const custom = JSON.stringify({
        model: `victor-upmeet/whisperx:${WHISPERX_VERSION}`,
        input: { audio_file: '{{chunk.url}}' },
      });
      await upload(talk, { task: 'custom', chunkMinutes: '1', custom }, USER);
      expect(createdBy(USER) - userBefore, 'and one per custom chunk').toBe(3 + COLOURS.length + 3);
      expect(createdBy(SERVER), 'the server’s pool paid for none of it').toBe(serverBefore);

      // The video is the user's: another user gets a 404 for it and for shorts cut from it.
      const as = (token: string) => ({ headers: { 'x-replicate-token': token } });
      expect((await app.request(`/v1/videos/${transcribed}`, as(USER))).status).toBe(200);
      await expectError(await app.request(`/v1/videos/${transcribed}`, as(OTHER_USER)), 404, 'not_found');
      const shorts = (token: string) =>
        app.request(`/v1/videos/${transcribed}/shorts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-replicate-token': token },
          body: JSON.stringify({ count: 1, lengthSec: 5 }),
        });
      await expectError(await shorts(OTHER_USER), 404, 'not_found');
      const mine = await shorts(USER);
      expect(mine.status).toBe(202);
      const { id } = (await mine.json()) as { id: string };
      started.add(id);
      await client.workflow.getHandle(id).result();
      expect((await app.request(`/v1/highlights/${id}`, as(USER))).status).toBe(200);
      await expectError(await app.request(`/v1/highlights/${id}`, as(OTHER_USER)), 404, 'not_found');
    },
  );
});
