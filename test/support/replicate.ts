import { createServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { parseReplicateConfig, type ReplicateConfig } from '../../src/config/replicate.js';
import {
  type ReplicateEmulator,
  type ReplicateEmulatorOptions,
  inputHash,
  startReplicateEmulator,
} from '../../src/emulators/replicate/index.js';

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
export async function startPoolFixture(
  keys: number,
  limit: number,
  options: ReplicateEmulatorOptions = {},
): Promise<PoolFixture> {
  const tokens = Array.from({ length: keys }, (_, i) => testToken(i + 1));
  const emulator = await startReplicateEmulator({
    latencySeconds: 0.3,
    jitter: 0.5,
    tokens,
    concurrencyLimit: limit,
    ...options,
  });
  return { emulator, tokens, replicate: poolConfig(tokens, emulator.url, limit) };
}

/** Pool config for `tokens` against `baseUrl` (the emulator, a recording proxy, …), `limit` slots per key. */
export function poolConfig(
  tokens: string[],
  baseUrl: string,
  limit: number,
  extraEnv: NodeJS.ProcessEnv = {},
): ReplicateConfig {
  const env: NodeJS.ProcessEnv = { REPLICATE_BASE_URL: baseUrl, REPLICATE_KEY_CONCURRENCY: String(limit), ...extraEnv };
  tokens.forEach((t, i) => (env[`REPLICATE_API_TOKEN_${i + 1}`] = t));
  return parseReplicateConfig(env);
}

/** A loopback port nothing listens on right now (the webhook URL must name the port before the receiver starts). */
export async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** REPLICATE_WEBHOOK_URL / _LISTEN for a receiver on a free loopback port, as a worker would be configured. */
export async function webhookEnv(): Promise<NodeJS.ProcessEnv> {
  const port = await freePort();
  return {
    REPLICATE_WEBHOOK_URL: `http://127.0.0.1:${port}/replicate/webhook`,
    REPLICATE_WEBHOOK_LISTEN: `127.0.0.1:${port}`,
  };
}

/** One HTTP request as it went over the wire to the emulator. */
export interface WireRequest {
  /** ms since epoch, when the request arrived at the proxy. */
  at: number;
  method: string;
  path: string;
  status: number;
  /** For prediction creates: the emulator's inputHash of `input` (same key as predictionsByInput). */
  inputHash?: string;
}

export interface RecordingProxy {
  /** API base URL to give the client instead of the emulator's. */
  url: string;
  requests(): WireRequest[];
  creates(): WireRequest[];
  close(): Promise<void>;
}

const CREATE_PATH = /\/(?:models\/[^/]+\/[^/]+\/)?predictions$/;

/**
 * A pass-through HTTP proxy in front of the emulator that logs every request it forwards, with its
 * time and answer. It sees what the client really sends, whatever retries happen inside the client.
 */
export async function startRecordingProxy(emulator: ReplicateEmulator): Promise<RecordingProxy> {
  const log: WireRequest[] = [];
  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const method = req.method ?? 'GET';
        const path = new URL(req.url ?? '/', emulator.origin).pathname;
        let hash: string | undefined;
        if (method === 'POST' && CREATE_PATH.test(path)) {
          try {
            hash = inputHash((JSON.parse(body.toString('utf8')) as { input?: unknown }).input);
          } catch {
            hash = undefined;
          }
        }
        const headers: Record<string, string> = {};
        for (const name of ['authorization', 'content-type', 'prefer', 'user-agent']) {
          const value = req.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        try {
          const upstream = await fetch(`${emulator.origin}${req.url ?? '/'}`, {
            method,
            headers,
            body: method === 'GET' || method === 'HEAD' ? undefined : body,
          });
          const answer = Buffer.from(await upstream.arrayBuffer());
          log.push({ at, method, path, status: upstream.status, ...(hash ? { inputHash: hash } : {}) });
          const out: Record<string, string> = { 'content-length': String(answer.length) };
          for (const name of ['content-type', 'retry-after', 'cache-control']) {
            const value = upstream.headers.get(name);
            if (value !== null) out[name] = value;
          }
          res.writeHead(upstream.status, out);
          res.end(answer);
        } catch (err) {
          log.push({ at, method, path, status: 502 });
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(err));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const basePath = new URL(emulator.url).pathname;
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests: () => log.map((r) => ({ ...r })),
    creates: () => log.filter((r) => r.inputHash !== undefined).map((r) => ({ ...r })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A story whose every sentence names `tag`, so each scene's prompt (and prediction input) is unique. */
export function uniqueStory(tag: string, sentences = 3): string {
  const lines = [
    'The fox ran to the river',
    'It caught a silver fish',
    'It slept in the warm sun',
    'The moon rose over the hill',
    'An owl called twice',
  ];
  return Array.from({ length: sentences }, (_, i) => `${lines[i % lines.length]} in ${tag}.`).join(' ');
}

/** A short that renders quickly (12 fps, hard cuts, no captions) with images from the Replicate pool. */
export function replicateShort(story: string, sceneCount = 3): Record<string, unknown> {
  return {
    story,
    sceneCount,
    aspect: '1:1',
    provider: 'replicate',
    fps: 12,
    captions: false,
    transition: { type: 'cut', duration: 0 },
  };
}
