import { type ServerType, serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/index.js';
import { LocalStorage, type Storage } from '../storage/index.js';
import { connectClient } from '../temporal/connect.js';
import { tryEnsureSearchAttributes } from '../temporal/ensureSearchAttributes.js';
import { createApp } from './app.js';
import { drainLateTemporalWork } from './deadline.js';

export interface ServeApiOptions {
  /** A connected client; without one, serveApi connects (and closes the connection when it stops). */
  client?: Client;
  /** Aborting stops the server: no new connections, open responses get a short grace period. */
  signal?: AbortSignal;
  storage?: Storage;
  /** Called with the bound URL (useful with API_PORT=0). */
  onListening?: (url: string) => void;
  /** How long open responses (e.g. video downloads) may finish after abort. */
  shutdownGraceMs?: number;
}

/** Serves the API on config.api.host:port until `signal` aborts; resolves once it has stopped. */
export async function serveApi(
  config: Config,
  { client, signal, storage, onListening, shutdownGraceMs = 5000 }: ServeApiOptions = {},
): Promise<void> {
  if (signal?.aborted) return;
  const ownClient = client ? undefined : await connectClient(config);
  try {
    await tryEnsureSearchAttributes(client ?? ownClient!, config.temporal.namespace);
    const app = createApp({
      client: client ?? ownClient!,
      config,
      storage: storage ?? new LocalStorage(config.dataDir),
    });
    const server = await listen(app.fetch, config.api.host, config.api.port);
    const url = urlOf(server.address() as AddressInfo);
    console.error(`reelflow api: listening on ${url}`);
    onListening?.(url);
    await stopOnAbort(server, signal, shutdownGraceMs);
    await drainLateTemporalWork(client ?? ownClient!);
  } finally {
    await ownClient?.connection.close();
  }
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  hostname: string,
  port: number,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
    server.once('error', reject);
  });
}

function stopOnAbort(server: ServerType, signal: AbortSignal | undefined, graceMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const stop = () => {
      const force = setTimeout(() => 'closeAllConnections' in server && server.closeAllConnections(), graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}

function urlOf({ address, family, port }: AddressInfo): string {
  return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
}
