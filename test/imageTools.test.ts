/**
 * The image tools through the HTTP API on a real Temporal server against the Replicate emulator:
 * each tool's result checked in the real file it downloads (dimensions, alpha, colour, the masked
 * area), and what is refused before anything starts (a fake-typed file, a missing mask, a URL to
 * loopback, an unknown tool), with the emulator's accounting showing no prediction for them.
 */
import type { Client } from '@temporalio/client';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import type { ReplicateEmulator } from '../src/emulators/replicate/index.js';
import { LocalStorage } from '../src/storage/index.js';
import { expectError, terminateAll } from './support/api.js';
import { startPoolFixture } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './support/temporal.js';

let client: Client;
let emulator: ReplicateEmulator;
let workers: RunningWorkers;
let app: ReturnType<typeof createApp>;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  const fixture = await startPoolFixture(1, 4, { latencySeconds: 0.2, jitter: 0 });
  emulator = fixture.emulator;
  workers = await startTestWorkers({ replicate: fixture.replicate });
  const config = { ...parseConfig({ ...process.env, DATA_DIR: workers.dataDir }), replicate: fixture.replicate };
  app = createApp({ client, config, storage: new LocalStorage(workers.dataDir), taskQueue: workers.taskQueue });
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await emulator?.close();
  await client?.connection.close();
});

/** A 64×48 picture: a red square on a white ground (so a cut-out has something to keep). */
async function photo(format: 'png' | 'jpeg' = 'png', grey = false): Promise<Buffer> {
  const ground = sharp({ create: { width: 64, height: 48, channels: 3, background: '#ffffff' } });
  const square = await sharp({ create: { width: 24, height: 24, channels: 3, background: '#d01010' } })
    .png()
    .toBuffer();
  const made = ground.composite([{ input: square, left: 20, top: 12 }]);
  return (grey ? made.greyscale() : made)[format]().toBuffer();
}

interface ToolAnswer {
  id: string;
  status: string;
  result?: { outputs: { url: string; width: number; height: number; hasAlpha: boolean; contentType: string }[] };
}

async function call(tool: string, init: RequestInit): Promise<Response> {
  const res = await app.request(`/v1/images/${tool}`, init);
  if (res.status === 200 || res.status === 202) {
    const body = (await res.clone().json()) as { id?: string };
    if (body.id) started.add(body.id);
  }
  return res;
}

const json = (body: unknown, prefer = 'wait') => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', prefer },
  body: JSON.stringify(body),
});

function form(fields: Record<string, string | Buffer>): RequestInit {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string') data.append(k, v);
    else data.append(k, new Blob([v], { type: 'image/png' }), `${k}.png`);
  }
  return { method: 'POST', headers: { prefer: 'wait' }, body: data };
}

/** The finished call's first output, downloaded through the API and decoded. */
async function output(res: Response) {
  expect(res.status).toBe(200);
  const body = (await res.json()) as ToolAnswer;
  expect(body.status).toBe('completed');
  const out = body.result!.outputs[0]!;
  const file = await app.request(out.url);
  expect(file.status).toBe(200);
  const bytes = Buffer.from(await file.arrayBuffer());
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { out, bytes, data, info, meta: await sharp(bytes).metadata() };
}

const dataUrl = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

describe('image tools', () => {
  it('upscale 4× with face enhancement from a multipart upload: four times the pixels each way', async () => {
    const before = emulator.stats().totals.created;
    const { out, meta } = await output(
      await call('upscale', form({ image: await photo(), scale: '4', face_enhance: 'true' })),
    );
    expect([meta.width, meta.height]).toEqual([256, 192]);
    expect(out).toMatchObject({ width: 256, height: 192, contentType: 'image/png' });
    expect(emulator.stats().totals.created - before).toBe(1);
    const sent = emulator.stats().creates.at(-1)!;
    expect(sent.model).toBe('nightmareai/real-esrgan');
  });

  it('remove-background from a data URL: a PNG whose ground is transparent and whose subject is not', async () => {
    const { out, data, info } = await output(
      await call('remove-background', json({ dataUrl: dataUrl(await photo()) })),
    );
    expect(out.hasAlpha).toBe(true);
    expect(info.channels).toBe(4);
    const alphaAt = (x: number, y: number) => data[(y * info.width + x) * 4 + 3];
    expect(alphaAt(2, 2)).toBe(0);
    expect(alphaAt(32, 24)).toBe(255);
  });

  it('inpaint with a mask changes the masked area and nothing else', async () => {
    const image = await photo();
    // White (paint over) on the left half only.
    const mask = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#000000' } })
      .composite([
        {
          input: await sharp({ create: { width: 32, height: 48, channels: 3, background: '#ffffff' } })
            .png()
            .toBuffer(),
          left: 0,
          top: 0,
        },
      ])
      .png()
      .toBuffer();
    const { data, info } = await output(
      await call('inpaint', form({ image, mask, prompt: 'a field of blue flowers' })),
    );
    const original = await sharp(image).removeAlpha().raw().toBuffer();
    const channels = info.channels;
    const changed = (x: number, y: number) =>
      [0, 1, 2].some((c) => Math.abs(data[(y * info.width + x) * channels + c]! - original[(y * 64 + x) * 3 + c]!) > 8);
    expect(changed(40, 24)).toBe(false); // right half: kept (the red square's right part)
    expect(changed(60, 2)).toBe(false);
    expect(changed(10, 24) || changed(25, 20)).toBe(true); // left half: painted
  });

  it('colorize turns a grey photo into colour; restore-face and generate finish with real PNGs', async () => {
    const grey = await photo('jpeg', true);
    const { data, info } = await output(await call('colorize', form({ image: grey })));
    const c = info.channels;
    let spread = 0;
    for (let i = 0; i < info.width * info.height; i++)
      spread = Math.max(
        spread,
        Math.max(data[i * c]!, data[i * c + 1]!, data[i * c + 2]!) -
          Math.min(data[i * c]!, data[i * c + 1]!, data[i * c + 2]!),
      );
    expect(spread).toBeGreaterThan(20);

    const restored = await output(await call('restore-face', form({ image: await photo() })));
    expect([restored.meta.width, restored.meta.height]).toEqual([128, 96]);
    const made = await output(await call('generate', json({ prompt: 'a lighthouse at dusk', aspect: '1:1' })));
    expect(made.meta.format).toBe('png');
  });

  it('refuses what it cannot use before anything starts: fake-typed files, missing parts, loopback URLs', async () => {
    const before = emulator.stats().totals.created;
    const html = Buffer.from('<html><body>not a picture</body></html>');
    await expectError(await call('upscale', form({ image: html })), 400, 'invalid_image');
    await expectError(await call('upscale', form({ image: (await photo()).subarray(0, 60) })), 400, 'invalid_image');
    await expectError(await call('inpaint', form({ image: await photo(), prompt: 'x' })), 400, 'invalid_request');
    await expectError(await call('upscale', form({ image: await photo(), scale: '3' })), 400, 'invalid_request');
    await expectError(await call('colorize', json({})), 400, 'invalid_request');
    await expectError(await call('sharpen', json({ url: 'https://example.com/a.png' })), 404, 'not_found');
    for (const url of [
      'http://127.0.0.1:9/a.png',
      'http://[::1]/a.png',
      'http://169.254.169.254/latest',
      'file:///etc/passwd',
      'gopher://example.com/',
    ])
      await expectError(await call('upscale', json({ url })), 400, 'url_refused');
    await expectError(
      await call('upscale', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
      415,
      'unsupported_media_type',
    );
    expect(emulator.stats().totals.created - before).toBe(0);
  });

  it('a parameter the model refuses (its 422) is a 400 naming it, with Prefer: wait', async () => {
    emulator.setFaults({ rejectInputIncludes: 'data:image' });
    try {
      const res = await call('restore-face', json({ dataUrl: dataUrl(await photo()), cache: false }));
      const body = await expectError(res, 400, 'invalid_parameter');
      expect(JSON.stringify(body)).toMatch(/input/);
    } finally {
      emulator.setFaults({ rejectInputIncludes: '' });
    }
  });

  it('a batch of tool calls in the batch shape: each task on its own, one failing without the others', async () => {
    const before = emulator.stats().totals.created;
    const bad = await call(
      'batch',
      json(
        {
          tasks: [
            { tool: 'upscale', dataUrl: dataUrl(await photo()) },
            { tool: 'inpaint', dataUrl: dataUrl(await photo()) },
          ],
        },
        '',
      ),
    );
    const refused = await expectError(bad, 400, 'invalid_request');
    expect(refused.error.message).toContain('tasks[1]');
    expect(emulator.stats().totals.created).toBe(before);

    // gfpgan is the only model sent "v1.4": its task fails for good, the other two finish.
    emulator.setFaults({ modelErrorInputIncludes: '"v1.4"' });
    try {
      const grey = await photo('png', true);
      const res = await call(
        'batch',
        json(
          {
            tasks: [
              { tool: 'upscale', dataUrl: dataUrl(grey), scale: 2, cache: false },
              { tool: 'restore-face', dataUrl: dataUrl(grey), cache: false },
              { tool: 'colorize', dataUrl: dataUrl(grey), cache: false },
            ],
          },
          '',
        ),
      );
      expect(res.status).toBe(202);
      const { id, links } = (await res.json()) as { id: string; links: { self: string } };
      started.add(id);
      expect(links.self).toBe(`/v1/image-batches/${id}`);
      await client.workflow.getHandle(id).result();
      const state = (await (await app.request(links.self)).json()) as {
        result: {
          summary: { total: number; successful: number; failed: number };
          successful_results: { task_index: number; outputs: { url: string; width: number }[] }[];
          failed_results: { task_index: number; tool: string }[];
        };
      };
      expect(state.result.summary).toEqual({ total: 3, successful: 2, failed: 1 });
      expect(state.result.failed_results).toMatchObject([{ task_index: 1, tool: 'restore-face' }]);
      const upscaled = state.result.successful_results.find((r) => r.task_index === 0)!;
      expect(upscaled.outputs[0]!.width).toBe(128);
      const file = await app.request(upscaled.outputs[0]!.url);
      expect(file.status).toBe(200);
      expect((await sharp(Buffer.from(await file.arrayBuffer())).metadata()).width).toBe(128);
    } finally {
      emulator.setFaults({ modelErrorInputIncludes: '' });
    }
  });
});
