/**
 * One hop of a safe fetch on the wire: a GET whose socket connects to the address that was checked
 * (urlCheck.ts), and its body read within the size limit and sniffed before the caller sees a byte.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { type MediaKind, SNIFF_BYTES, sniff } from './mediaSniff.js';
import { SafeFetchError } from './safeFetchError.js';
import type { CheckedTarget } from './urlCheck.js';

/** Where the body goes, chunk by chunk, once its first bytes have been accepted. */
export type Sink = (chunk: Buffer) => Promise<void>;

/** A socket lookup that always answers the vetted address, whatever DNS would say now. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

export function request(target: CheckedTarget, signal: AbortSignal): Promise<http.IncomingMessage> {
  const { url } = target;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'GET',
        // A fresh socket per request: a pooled one may have been opened for another check.
        agent: false,
        lookup: pinnedLookup(target.address, target.family),
        headers: { 'user-agent': 'reelflow', accept: '*/*', 'accept-encoding': 'identity' },
        signal,
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

export async function readBody(
  response: http.IncomingMessage,
  url: string,
  maxBytes: number,
  accept: readonly MediaKind[],
  sink: Sink,
): Promise<{ bytes: number; format: string; kind: MediaKind }> {
  const tooLarge = () =>
    new SafeFetchError('TooLarge', `${url} is larger than the ${formatBytes(maxBytes)} limit`, false, { url });
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLarge();
  }
  let head: Buffer = Buffer.alloc(0);
  let sniffed: { format: string; kind: MediaKind } | undefined;
  let bytes = 0;
  const flushHead = async () => {
    sniffed = sniff(head, accept, url);
    await sink(head);
  };
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw tooLarge();
      if (sniffed) await sink(chunk);
      else {
        head = Buffer.concat([head, chunk]);
        if (head.length >= SNIFF_BYTES) await flushHead();
      }
    }
  } finally {
    response.destroy();
  }
  if (!sniffed) await flushHead();
  if (Number.isFinite(declared) && bytes !== declared) {
    throw new SafeFetchError('Network', `${url} sent ${bytes} of its ${declared} bytes`, true, { url });
  }
  return { bytes, ...sniffed! };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${n} bytes`;
}
