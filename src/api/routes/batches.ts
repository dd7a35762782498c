import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import { Readable } from 'node:stream';
import { type BatchStatus, batchRequestSchema, cancelBatch, getBatchStatus, startBatch } from '../../client/batches.js';
import type { Config } from '../../config/index.js';
import type { BatchProgress, ImageBatchResult } from '../../domain/batch.js';
import type { Storage } from '../../storage/index.js';
import { ApiError, methodNotAllowed } from '../errors.js';
import { idempotencyKeyOf, invalidRequest, limitBody, readJson, requireJson } from '../jsonBody.js';
import { scrubPaths } from '../shortView.js';

export interface BatchesRoutesOptions {
  client: Client;
  config: Config;
  storage: Storage;
  /** Task queue for new batches; defaults to `config.taskQueue`. */
  taskQueue?: string;
}

/**
 * A batch body may be larger than a short's: up to 1000 tasks. It becomes the workflow's input, one
 * Temporal payload, which the server caps at 2 MB; 1 MiB leaves room for the rest of the start call.
 */
export const BATCH_MAX_BODY_BYTES = 1024 * 1024;

// Both ID schemes (random and Idempotency-Key) start with "batch-"; anything else is not a batch,
// so other workflows in the namespace cannot be read through this API.
const BATCH_ID = /^batch-[A-Za-z0-9._-]{1,250}$/;
const TASK_INDEX = /^(0|[1-9]\d{0,5})$/;

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

/**
 * POST /v1/batches, GET /v1/batches/:id, GET /v1/batches/:id/files/:task/:name,
 * POST /v1/batches/:id/cancel. Results never carry storage keys or paths: a stored file is offered
 * as a link under /files, and only names present in the batch's own result can be downloaded.
 */
export function batchesRoutes({ client, config, storage, taskQueue }: BatchesRoutesOptions): Hono {
  const routes = new Hono();

  routes.post('/', requireJson, limitBody(BATCH_MAX_BODY_BYTES), async function createBatch(c) {
    const body = await readJson(c.req.raw);
    const idempotencyKey = idempotencyKeyOf(c.req.header('idempotency-key'));
    const parsed = batchRequestSchema.safeParse(body);
    if (!parsed.success) throw invalidRequest(parsed.error);

    const started = await startBatch(client, config, parsed.data, { idempotencyKey, taskQueue });
    const links = batchLinks(started.id, started.webUiUrl);
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, links }, 202);
  });

  routes.get('/:id', async function getBatch(c) {
    const status = await getBatchStatus(client, config, requireBatchId(c.req.param('id')));
    return c.json(publicBatchStatus(status, config.dataDir));
  });

  routes.post('/:id/cancel', async function cancel(c) {
    const id = requireBatchId(c.req.param('id'));
    const before = await cancelBatch(client, config, id);
    if (before.status !== 'running') {
      throw new ApiError(
        409,
        'already_finished',
        `Batch "${id}" already finished (${before.status}); there is nothing to cancel.`,
      );
    }
    return c.json({ id, status: 'cancelling' }, 202);
  });

  routes.get('/:id/files/:task/:name', async function getFile(c) {
    const id = requireBatchId(c.req.param('id'));
    const task = c.req.param('task');
    const name = c.req.param('name');
    const noSuchFile = () =>
      new ApiError(
        404,
        'not_found',
        `Batch "${id}" has no file "${name.slice(0, 200)}" for task ${task.slice(0, 10)}.`,
      );
    if (!TASK_INDEX.test(task)) throw noSuchFile();

    const status = await getBatchStatus(client, config, id, { progress: false });
    const result = finishedResult(status, (text) => scrubPaths(text, config.dataDir));
    // Only a name the batch itself produced leads to a storage key: nothing typed in the URL
    // ever becomes part of a path.
    const file = result.successful_results
      .find((r) => r.task_index === Number(task))
      ?.generated_files.find((f) => f.filename === name && f.ref !== undefined);
    if (!file?.ref) throw noSuchFile();

    const size = await sizeOf(storage, file.ref, id);
    c.header('Content-Type', CONTENT_TYPES[name.split('.').pop()!.toLowerCase()] ?? 'application/octet-stream');
    c.header('Content-Length', String(size));
    c.header('Content-Disposition', `inline; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`);
    c.header('ETag', `"${status.runId}-${task}-${size}"`);
    c.header('X-Content-Type-Options', 'nosniff');
    // HEAD: headers only; opening a stream nobody reads would leak a file handle.
    if (c.req.method === 'HEAD' || size === 0) return c.body(null, 200);
    return c.body(Readable.toWeb(storage.readStream(file.ref)) as ReadableStream<Uint8Array>, 200);
  });

  routes.all('/', methodNotAllowed(['POST']));
  routes.all('/:id', methodNotAllowed(['GET', 'HEAD']));
  routes.all('/:id/cancel', methodNotAllowed(['POST']));
  routes.all('/:id/files/:task/:name', methodNotAllowed(['GET', 'HEAD']));
  return routes;
}

export interface BatchLinks {
  self: string;
  cancel: string;
  webUi: string;
}

export function batchLinks(id: string, webUiUrl: string): BatchLinks {
  const self = `/v1/batches/${encodeURIComponent(id)}`;
  return { self, cancel: `${self}/cancel`, webUi: webUiUrl };
}

export function batchFileLink(id: string, taskIndex: number, filename: string): string {
  return `/v1/batches/${encodeURIComponent(id)}/files/${taskIndex}/${encodeURIComponent(filename)}`;
}

function requireBatchId(id: string): string {
  if (!BATCH_ID.test(id)) throw new ApiError(404, 'not_found', `No batch with id "${id.slice(0, 100)}".`);
  return id;
}

/** What HTTP clients see of a batch: fields whitelisted, stored files as links, paths scrubbed. */
export function publicBatchStatus(status: BatchStatus, dataDir: string) {
  const scrub = (text: string) => scrubPaths(text, dataDir);
  return {
    id: status.id,
    runId: status.runId,
    status: status.status,
    progress: status.progress && publicProgress(status.progress),
    result: status.result && publicResult(status.id, status.result, scrub),
    error: status.error && { type: status.error.type, message: scrub(status.error.message) },
    startedAt: status.startedAt,
    closedAt: status.closedAt,
    webUiUrl: status.webUiUrl,
    links: batchLinks(status.id, status.webUiUrl),
  };
}

function publicProgress(p: BatchProgress) {
  return { total: p.total, succeeded: p.succeeded, failed: p.failed, running: p.running };
}

/**
 * The batch tool's output shape. A stored file's `url` is our download link; with `download: false`
 * it is Replicate's own URL (valid for an hour).
 */
function publicResult(id: string, r: ImageBatchResult, scrub: (text: string) => string) {
  return {
    summary: r.summary,
    successful_results: r.successful_results.map((s) => ({
      task_index: s.task_index,
      prompt: s.prompt,
      output_filename: s.output_filename,
      generated_files: s.generated_files.map((f) => ({
        url: f.ref !== undefined ? batchFileLink(id, s.task_index, f.filename) : f.url,
        filename: f.filename,
      })),
    })),
    failed_results: r.failed_results.map((f) => ({
      task_index: f.task_index,
      prompt: f.prompt,
      error: { type: f.error.type, message: scrub(f.error.message) },
    })),
  };
}

/** The result of a completed batch, or the 409 that says why there is none (yet). */
function finishedResult(status: BatchStatus, scrub: (text: string) => string): ImageBatchResult {
  const { id } = status;
  switch (status.status) {
    case 'completed':
      if (status.result) return status.result;
      throw new ApiError(500, 'internal', `Batch "${id}" completed without a result.`);
    case 'running':
      throw new ApiError(
        409,
        'not_ready',
        `Batch "${id}" is still running; its files are served once it has completed.`,
      );
    case 'cancelled':
      throw new ApiError(409, 'cancelled', `Batch "${id}" was cancelled before it finished, so it has no files.`);
    default: {
      const why = status.error ? ` (${status.error.type}: ${scrub(status.error.message)})` : '';
      const end =
        status.status === 'timed_out' ? 'timed out' : status.status === 'terminated' ? 'was terminated' : 'failed';
      throw new ApiError(409, status.status, `Batch "${id}" ${end}${why}, so it has no files.`);
    }
  }
}

async function sizeOf(storage: Storage, ref: string, id: string): Promise<number> {
  try {
    return await storage.size(ref);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new ApiError(410, 'file_missing', `Batch "${id}" finished, but this file is no longer in storage.`);
  }
}
