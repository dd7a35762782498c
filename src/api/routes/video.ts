import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import { Readable } from 'node:stream';
import { type ShortStatus, getShortStatus } from '../../client/shorts.js';
import type { Config } from '../../config/index.js';
import type { Storage } from '../../storage/index.js';
import { ApiError, methodNotAllowed } from '../errors.js';
import { parseRange } from '../range.js';
import { requireShortId, scrubPaths } from '../shortView.js';

export interface VideoRoutesOptions {
  client: Client;
  config: Config;
  storage: Storage;
}

/** GET/HEAD /v1/shorts/:id/video: the finished MP4, streamed from storage, with Range support. */
export function videoRoutes({ client, config, storage }: VideoRoutesOptions): Hono {
  const routes = new Hono();

  routes.get('/:id/video', async function getVideo(c) {
    const id = requireShortId(c.req.param('id'));
    const status = await getShortStatus(client, config, id);
    const videoRef = finishedVideoRef(status, (text) => scrubPaths(text, config.dataDir));
    const size = await sizeOf(storage, videoRef, id);
    const etag = `"${status.runId}-${size}"`;

    // If-Range: a range of a different version would be corrupt, so send the whole file instead.
    const ifRange = c.req.header('if-range');
    const range = parseRange(ifRange === undefined || ifRange === etag ? c.req.header('range') : undefined, size);
    c.header('Accept-Ranges', 'bytes');
    if (range.kind === 'unsatisfiable') {
      c.header('Content-Range', `bytes */${size}`);
      throw new ApiError(416, 'range_not_satisfiable', `The requested range is outside the video (${size} bytes).`);
    }

    c.header('Content-Type', 'video/mp4');
    c.header('ETag', etag);
    c.header('Content-Disposition', `inline; filename="${id}.mp4"`);
    const { start, end } = range.kind === 'partial' ? range : { start: 0, end: size - 1 };
    if (range.kind === 'partial') c.header('Content-Range', `bytes ${start}-${end}/${size}`);
    c.header('Content-Length', String(end - start + 1));
    const statusCode = range.kind === 'partial' ? 206 : 200;
    // HEAD: headers only; opening a stream nobody reads would leak a file handle.
    if (c.req.method === 'HEAD' || size === 0) return c.body(null, statusCode);
    const stream = Readable.toWeb(storage.readStream(videoRef, { start, end })) as ReadableStream<Uint8Array>;
    return c.body(stream, statusCode);
  });

  routes.all('/:id/video', methodNotAllowed(['GET', 'HEAD']));
  return routes;
}

/** The video of a completed run, or the 409 that says why there is none (yet). */
function finishedVideoRef(status: ShortStatus, scrub: (text: string) => string): string {
  const { id } = status;
  switch (status.status) {
    case 'completed':
      if (status.result?.videoRef) return status.result.videoRef;
      throw new ApiError(500, 'internal', `Short "${id}" completed without a video.`);
    case 'running': {
      const p = status.progress;
      const where = p ? `${p.stage}, ${p.percent}% done` : 'progress unknown';
      throw new ApiError(
        409,
        'not_ready',
        `Short "${id}" is still being made (${where}); try again when its status is "completed".`,
        {
          progress: p ? { stage: p.stage, percent: p.percent } : undefined,
        },
      );
    }
    case 'cancelled':
      throw new ApiError(409, 'cancelled', `Short "${id}" was cancelled before it finished, so it has no video.`);
    default: {
      const why = status.error ? ` (${status.error.type}: ${scrub(status.error.message)})` : '';
      throw new ApiError(
        409,
        status.status === 'failed' ? 'failed' : status.status,
        `Short "${id}" ${describeEnd(status.status)}${why}, so it has no video.`,
      );
    }
  }
}

function describeEnd(status: ShortStatus['status']): string {
  if (status === 'timed_out') return 'timed out';
  if (status === 'terminated') return 'was terminated';
  return 'failed';
}

async function sizeOf(storage: Storage, videoRef: string, id: string): Promise<number> {
  try {
    return await storage.size(videoRef);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new ApiError(410, 'video_missing', `Short "${id}" finished, but its video file is no longer in storage.`);
  }
}
