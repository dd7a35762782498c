import type { Context } from 'hono';
import { Readable } from 'node:stream';
import type { StoredFile } from '../runs/kind.js';
import type { Storage } from '../storage/index.js';
import { ApiError } from './errors.js';
import { parseRange } from './range.js';

export interface ServeFileOptions {
  /** Identifies this version of the file: a range of another version would be corrupt. */
  etag: string;
  /** Byte ranges (RFC 9110 §14), for players that seek. */
  ranges: boolean;
  /** Thrown when storage no longer has the file. */
  missing: () => Error;
}

/**
 * Streams a stored file with Content-Type, Content-Length, ETag and a safe Content-Disposition;
 * HEAD gets the headers only. With `ranges`, one `Range: bytes=…` is served as 206 (If-Range
 * honoured); a multi-range or malformed header gets the whole file, which the RFC allows.
 */
export async function serveStoredFile(c: Context, storage: Storage, file: StoredFile, options: ServeFileOptions) {
  const size = await sizeOf(storage, file.ref, options.missing);
  const etag = `"${options.etag}-${size}"`;
  const ifRange = c.req.header('if-range');
  const rangeHeader = options.ranges && (ifRange === undefined || ifRange === etag) ? c.req.header('range') : undefined;
  const range = parseRange(rangeHeader, size);
  if (options.ranges) c.header('Accept-Ranges', 'bytes');
  if (range.kind === 'unsatisfiable') {
    c.header('Content-Range', `bytes */${size}`);
    throw new ApiError(416, 'range_not_satisfiable', `The requested range is outside the file (${size} bytes).`);
  }
  c.header('Content-Type', file.contentType);
  c.header('ETag', etag);
  c.header('Content-Disposition', `inline; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`);
  c.header('X-Content-Type-Options', 'nosniff');
  const { start, end } = range.kind === 'partial' ? range : { start: 0, end: size - 1 };
  if (range.kind === 'partial') c.header('Content-Range', `bytes ${start}-${end}/${size}`);
  c.header('Content-Length', String(end - start + 1));
  const status = range.kind === 'partial' ? 206 : 200;
  // HEAD: headers only; opening a stream nobody reads would leak a file handle.
  if (c.req.method === 'HEAD' || size === 0) return c.body(null, status);
  return c.body(Readable.toWeb(storage.readStream(file.ref, { start, end })) as ReadableStream<Uint8Array>, status);
}

async function sizeOf(storage: Storage, ref: string, missing: () => Error): Promise<number> {
  try {
    return await storage.size(ref);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw missing();
  }
}
