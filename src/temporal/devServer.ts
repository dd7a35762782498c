import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { devServerSearchAttributeArgs } from './searchAttributes.js';

export interface DevServerOptions {
  cliPath: string;
  address: string;
  uiPort: number;
  /** SQLite file, so runs survive a restart of the dev server. */
  dbFile: string;
  namespace: string;
}

export interface DevServer {
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * One partition per task queue. Temporal splits queues into 4 partitions for throughput; at our
 * rates (a few hundred tasks a second at most) that only adds forwarding between partitions, which
 * measured ~15 ms per Replicate slot refill (bench:pool efficiency 0.89 → 0.90).
 */
export const SINGLE_PARTITION_QUEUES = [
  '--dynamic-config-value',
  'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value',
  'matching.numTaskqueueWritePartitions=1',
];

/** True when something accepts TCP connections at host:port (Temporal's frontend, usually). */
export function isListening(address: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Starts `temporal server start-dev` (server + Web UI) and waits until its frontend answers. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const { host, port } = splitAddress(options.address);
  mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const child = spawn(
    options.cliPath,
    [
      'server',
      'start-dev',
      '--ip',
      host,
      '--port',
      String(port),
      '--ui-port',
      String(options.uiPort),
      '--db-filename',
      options.dbFile,
      '--namespace',
      options.namespace,
      '--log-level',
      'error',
      ...SINGLE_PARTITION_QUEUES,
      ...devServerSearchAttributeArgs(),
    ],
    // Own process group: a Ctrl-C in the terminal reaches only our process, which stops the server in order.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  while (!(await isListening(options.address, 500))) {
    if (child.exitCode !== null)
      throw new Error(`The Temporal dev server exited (${child.exitCode}): ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The Temporal dev server did not answer at ${options.address} within 60 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export function splitAddress(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(':');
  return {
    host: address.slice(0, index).replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: Number(address.slice(index + 1)),
  };
}
