import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { type ImageToolName, toolModel } from '../../catalog/tools.js';
import type { Config } from '../../config/index.js';
import {
  IMAGE_TOOLS,
  MAX_TOOL_BATCH_TASKS,
  type ToolOptions,
  toolOptionsSchema,
  toolProblems,
} from '../../domain/imageTool.js';
import { createSafeFetcher } from '../../net/safeFetch.js';
import { imageKind } from '../../runs/kinds/image.js';
import { imageBatchKind } from '../../runs/kinds/imageBatch.js';
import type { RunService } from '../../runs/service.js';
import type { Storage } from '../../storage/index.js';
import { ReplicateErrorTypes } from '../../replicate/errors.js';
import { runsOf, userTokenOf } from '../auth.js';
import { ApiError } from '../errors.js';
import { type PictureSource, imageIntake } from '../imageIntake.js';
import { invalidRequest, limitBody, readJson } from '../jsonBody.js';
import { linksOf, publicState } from '../runRoutes.js';
import { scrubForClients } from '../scrub.js';

/** An upload's whole body: a 2048 px PNG is a few MB; phone photos run to ~12 MB. */
export const IMAGE_MAX_BODY_BYTES = 25 * 1024 * 1024;
/** `Prefer: wait` waits this long at most for the result (Replicate's own sync mode waits 60 s). */
const WAIT_MAX_SECONDS = 60;

const batchBodySchema = z
  .object({
    tasks: z
      .array(z.lazy(() => jsonBodySchema.extend({ tool: z.enum(IMAGE_TOOLS) })))
      .min(1, 'tasks must hold at least one task')
      .max(MAX_TOOL_BATCH_TASKS, `tasks must hold at most ${MAX_TOOL_BATCH_TASKS} tasks`),
  })
  .strict();

const jsonBodySchema = toolOptionsSchema
  .extend({
    url: z.string().max(4000).optional(),
    dataUrl: z.string().optional(),
    maskUrl: z.string().max(4000).optional(),
    maskDataUrl: z.string().optional(),
    cache: z.boolean().optional(),
  })
  .strict();

export interface ImageRoutesOptions {
  client: Client;
  runs: RunService;
  config: Config;
  storage: Storage;
  taskQueue?: string;
}

/**
 * POST /v1/images/:tool: one tool call on the key pool. The body is a multipart upload (`image`,
 * `mask` files and option fields) or JSON ({url} or {dataUrl}, maskUrl/maskDataUrl, options). Bad
 * options and bad pictures are a 400 before anything is stored or started; the call then runs as
 * an `imageTool` workflow (202, like every run), or, with `Prefer: wait`, answers with its result
 * (200), or 400 naming the parameter the model refused (its 422).
 */
export function imageRoutes({ client, runs, config, storage, taskQueue }: ImageRoutesOptions) {
  const routes = new Hono();
  const intake = imageIntake({ storage, fetcher: createSafeFetcher(config.providers.fetch) });
  const scrub = (text: string) => scrubForClients(text, config.dataDir);

  // Many calls in the batch tool's shape: every task's picture taken in (a bad one is a 400 naming
  // its task, and nothing starts), then one imageToolBatch run, read at /v1/image-batches/:id.
  routes.post('/batch', limitBody(IMAGE_MAX_BODY_BYTES), async function runBatch(c) {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && !type.endsWith('+json'))
      throw new ApiError(
        415,
        'unsupported_media_type',
        'Send the batch as JSON: {"tasks":[{"tool","url"|"dataUrl",…}]}.',
      );
    const parsed = batchBodySchema.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw invalidRequest(parsed.error);
    const tasks = [];
    for (const [i, task] of parsed.data.tasks.entries()) {
      const { tool, ...rest } = task;
      const call = callFromJson(tool, rest);
      const problems = toolProblems(tool, {
        ...(call.image ? { imageRef: 'given' } : {}),
        ...(call.mask ? { maskRef: 'given' } : {}),
        options: call.options,
      });
      if (problems.length) throw new ApiError(400, 'invalid_request', `tasks[${i}]: ${problems.join('; ')}`);
      const taken = await intake.takeIn(
        call.image
          ? { field: `tasks[${i}].image`, source: call.image, keepAlpha: toolModel(tool).shape.keepAlpha }
          : undefined,
        call.mask ? { field: `tasks[${i}].mask`, source: call.mask } : undefined,
      );
      tasks.push({
        tool,
        ...(taken.image ? { imageRef: taken.image.ref, source: taken.image.source } : {}),
        ...(taken.mask ? { maskRef: taken.mask.ref } : {}),
        options: call.options,
        ...(call.cache === false ? { cache: false } : {}),
      });
    }
    const started = await runsOf(c, runs).start(imageBatchKind, { tasks }, { taskQueue, ...userTokenOf(c) });
    const links = linksOf(imageBatchKind, started.id, started.webUiUrl);
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, links }, 202);
  });

  routes.post('/:tool', limitBody(IMAGE_MAX_BODY_BYTES), async function runTool(c) {
    const tool = c.req.param('tool');
    if (!(IMAGE_TOOLS as readonly string[]).includes(tool)) {
      throw new ApiError(
        404,
        'not_found',
        `There is no image tool "${tool.slice(0, 40)}"; the tools are ${IMAGE_TOOLS.join(', ')}.`,
      );
    }
    const call = await readCall(c, tool as ImageToolName);
    const shape = toolModel(call.tool).shape;
    const problems = toolProblems(call.tool, {
      ...(call.image ? { imageRef: 'given' } : {}),
      ...(call.mask ? { maskRef: 'given' } : {}),
      options: call.options,
    });
    if (problems.length) throw new ApiError(400, 'invalid_request', problems.join('; '));
    const taken = await intake.takeIn(
      call.image ? { field: 'image', source: call.image, keepAlpha: shape.keepAlpha } : undefined,
      call.mask ? { field: 'mask', source: call.mask } : undefined,
    );
    const started = await runsOf(c, runs).start(
      imageKind,
      {
        tool: call.tool,
        ...(taken.image ? { imageRef: taken.image.ref, source: taken.image.source } : {}),
        ...(taken.mask ? { maskRef: taken.mask.ref } : {}),
        options: call.options,
        ...(call.cache === false ? { cache: false } : {}),
      },
      { taskQueue, ...userTokenOf(c) },
    );
    const links = linksOf(imageKind, started.id, started.webUiUrl);
    c.header('Location', links.self);
    const wait = waitSeconds(c.req.header('prefer'));
    if (wait === undefined) return c.json({ id: started.id, status: started.status, links }, 202);

    const handle = client.workflow.getHandle(started.id);
    const outcome = await Promise.race([
      handle.result().then(
        () => 'done' as const,
        (err: unknown) => err,
      ),
      new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), wait * 1000)),
    ]);
    if (outcome === 'waiting') return c.json({ id: started.id, status: 'running', links }, 202);
    if (outcome instanceof WorkflowFailedError && rootType(outcome) === ReplicateErrorTypes.InvalidInput) {
      throw new ApiError(400, 'invalid_parameter', scrub(rootMessage(outcome)), { id: started.id });
    }
    return c.json(publicState(imageKind, await runsOf(c, runs).get(imageKind, started.id), scrub), 200);
  });

  return routes;
}

interface ToolCall {
  tool: ImageToolName;
  image?: PictureSource;
  mask?: PictureSource;
  options: ToolOptions;
  cache?: boolean;
}

/** The call from a multipart form or a JSON body; a malformed one is a 400 naming the field. */
async function readCall(c: Context, tool: ImageToolName): Promise<ToolCall> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data') {
    const form = await c.req.parseBody();
    const { image, mask, url, maskUrl, ...fields } = form;
    const options = toolOptionsSchema.safeParse(formOptions(fields));
    if (!options.success) throw invalidRequest(options.error);
    const picture =
      image !== undefined ? await uploaded('image', image) : typeof url === 'string' ? source('url', url) : undefined;
    const masked =
      mask !== undefined
        ? await uploaded('mask', mask)
        : typeof maskUrl === 'string'
          ? source('url', maskUrl)
          : undefined;
    return { tool, ...(picture ? { image: picture } : {}), ...(masked ? { mask: masked } : {}), options: options.data };
  }
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'Send the picture as multipart/form-data (an "image" file) or JSON ({"url"} or {"dataUrl"}).',
    );
  }
  const parsed = jsonBodySchema.safeParse(await readJson(c.req.raw));
  if (!parsed.success) throw invalidRequest(parsed.error);
  return callFromJson(tool, parsed.data);
}

/** A call from its JSON fields: the picture's source and the options. */
function callFromJson(tool: ImageToolName, body: z.output<typeof jsonBodySchema>): ToolCall {
  const { url, dataUrl, maskUrl, maskDataUrl, cache, ...options } = body;
  if (url !== undefined && dataUrl !== undefined)
    throw new ApiError(400, 'invalid_request', 'Send url or dataUrl, not both.');
  const image = url !== undefined ? source('url', url) : dataUrl !== undefined ? source('dataUrl', dataUrl) : undefined;
  const mask =
    maskUrl !== undefined
      ? source('url', maskUrl)
      : maskDataUrl !== undefined
        ? source('dataUrl', maskDataUrl)
        : undefined;
  return {
    tool,
    ...(image ? { image } : {}),
    ...(mask ? { mask } : {}),
    options,
    ...(cache === false ? { cache } : {}),
  };
}

const source = (kind: 'url' | 'dataUrl', value: string): PictureSource => ({ kind, value });

async function uploaded(field: string, value: unknown): Promise<PictureSource> {
  if (!(value instanceof File)) throw new ApiError(400, 'invalid_request', `${field} must be a file upload.`);
  return { kind: 'upload', bytes: Buffer.from(await value.arrayBuffer()), name: value.name };
}

/** Form fields are strings: numbers and booleans are read as such, so the schema checks them. */
function formOptions(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => {
      if (typeof v !== 'string') return [k, v];
      if (k === 'scale' || k === 'seed') return [k, /^\d+$/.test(v) ? Number(v) : v];
      if (k === 'face_enhance') return [k, v === 'true' ? true : v === 'false' ? false : v];
      return [k, v];
    }),
  );
}

/** `Prefer: wait` or `wait=30` (as Replicate reads it): seconds to wait, capped; undefined without. */
function waitSeconds(prefer: string | undefined): number | undefined {
  const m = /(?:^|[,;\s])wait(?:=(\d+))?/.exec(prefer ?? '');
  if (!m) return undefined;
  return Math.min(WAIT_MAX_SECONDS, m[1] ? Number(m[1]) : WAIT_MAX_SECONDS);
}

function rootOf(err: Error): Error & { type?: string } {
  let current: Error = err;
  while (current.cause instanceof Error) current = current.cause;
  return current as Error & { type?: string };
}
const rootType = (err: Error) => rootOf(err).type;
const rootMessage = (err: Error) => rootOf(err).message;
