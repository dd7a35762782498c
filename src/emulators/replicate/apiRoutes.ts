/**
 * The Replicate emulator's API routes under its base path: predictions (create, list, get, cancel),
 * the account's webhook secret, and the files API (fileRoutes.ts).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stableStringify } from '../../util/stableStringify.js';
import { inputHash } from './accounting.js';
import type { Outcome } from './faults.js';
import { handleFiles } from './fileRoutes.js';
import { HttpError, readJson, sendJson } from './http.js';
import { type InputFile, resolveInputFile } from './inputs.js';
import { runtimeProblem } from './media.js';
import type { Resolution } from './modelRegistry.js';
import type { EmulatedModel } from './models.js';
import { authenticate, type EmulatorContext, notFound, type Route, safeDecode } from './routeContext.js';
import { webhookSecretFor } from './webhooks.js';

const BODY_PASSTHROUGH = ['webhook', 'webhook_events_filter'] as const;
const PAGE_SIZE = 100;

/** The file inputs a model reads: the first of its image fields that the input sets, and a mask. */
function fileFields(model: EmulatedModel, input: Record<string, unknown>): { image?: string; mask?: string } {
  const set = (f: string) => input[f] !== undefined && input[f] !== null && input[f] !== '';
  const media = model.media;
  if (media.kind === 'video') return { image: media.video.imageFields.find(set) };
  if (media.kind === 'transcript')
    return { image: set(media.transcript.audioField) ? media.transcript.audioField : undefined };
  if (media.kind === 'caption') return { image: set(media.caption.imageField) ? media.caption.imageField : undefined };
  if (media.kind !== 'tool') return {};
  const mask = media.tool.maskField;
  return { image: media.tool.imageFields.find(set), ...(mask && set(mask) ? { mask } : {}) };
}

/** A failure the model itself reports (its input could not be read, or it rejects it at run time). */
function modelFailure(error: string): Outcome {
  return {
    kind: 'model_error',
    error,
    logs: `Traceback (most recent call last):\n  File "/src/predict.py", line 42, in predict\n${error}\n`,
  };
}

async function createPrediction(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  modelName: string | undefined,
) {
  const { registry, accounting, faults, store, inputSources, originOf } = ctx;
  const token = authenticate(ctx, req);
  const body = await readJson(req);
  const gate = faults.gateCreate();
  if (gate.kind === 'throttle') {
    accounting.recordThrottled(token);
    const s = gate.retryAfterSeconds;
    throw new HttpError(
      429,
      'Request was throttled',
      `Request was throttled. Expected available in ${s} second${s === 1 ? '' : 's'}.`,
      {
        'Retry-After': String(s),
      },
    );
  }
  if (gate.kind === 'server_error') {
    accounting.recordServerError(token);
    throw new HttpError(gate.status, 'Internal Server Error', 'An unexpected error occurred (emulated)');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'Bad Request', 'Request body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const resolved: Resolution = modelName ? registry.resolveByModel(modelName) : registry.resolveByVersion(b.version);
  if (!resolved.ok) throw new HttpError(resolved.status, resolved.title, resolved.detail);
  const invalid = registry.validateInput(resolved.model, b.input);
  if (invalid !== undefined) {
    throw new HttpError(422, 'Input validation failed', invalid.detail, {}, { invalid_fields: invalid.invalidFields });
  }
  const input = b.input as Record<string, unknown>;
  if (faults.rejectsInput(resolved.model.model, stableStringify(input))) {
    throw new HttpError(
      422,
      'Input validation failed',
      'input: the input was rejected (emulated 422)',
      {},
      {
        invalid_fields: [{ type: 'rejected', field: 'input', description: 'the input was rejected (emulated 422)' }],
      },
    );
  }
  const extra: Record<string, unknown> = {};
  for (const k of BODY_PASSTHROUGH) if (b[k] !== undefined) extra[k] = b[k];
  let outcome = faults.decideOutcome(resolved.model.model, stableStringify(input));
  const fields = fileFields(resolved.model, input);
  const files: { image?: InputFile; mask?: InputFile } = {};
  for (const which of ['image', 'mask'] as const) {
    const field = fields[which];
    if (field === undefined) continue;
    const file = resolveInputFile(field, input[field], token, inputSources);
    if (file.ok) files[which] = file.file;
    else if (outcome.kind === 'succeed') outcome = modelFailure(file.error);
  }
  const problem = runtimeProblem(resolved.model, input);
  if (problem !== undefined && outcome.kind === 'succeed') outcome = modelFailure(problem);
  const rec = store.create({
    token,
    model: resolved.model,
    version: resolved.version,
    input,
    extra,
    origin: originOf(req),
    outcome,
    ...(files.image ? { inputFile: files.image } : {}),
    ...(files.mask ? { maskFile: files.mask } : {}),
  });
  accounting.recordCreate(token, rec.id, rec.model, inputHash(input), rec.createdAt);
  sendJson(res, 201, store.toJson(rec));
}

/** A request below the base path (`path` has the base path cut off). */
export const handleApi: Route = async (ctx, req, res, path, url) => {
  const { opts, accounting, store, originOf } = ctx;
  const method = req.method ?? 'GET';
  let m: RegExpExecArray | null;
  if (await handleFiles(ctx, req, res, path, url)) return;
  if (method === 'POST' && (m = /^\/models\/([^/]+\/[^/]+)\/predictions$/.exec(path))) {
    return createPrediction(ctx, req, res, safeDecode(m[1]!));
  }
  if (method === 'POST' && path === '/predictions') return createPrediction(ctx, req, res, undefined);
  const token = authenticate(ctx, req);
  if (method === 'GET') accounting.recordGet(token);
  // Replicate's account endpoint, per token: who it belongs to (validates a token without a prediction).
  if (method === 'GET' && path === '/account') {
    const id = createHash('sha256').update(token).digest('hex').slice(0, 8);
    return sendJson(res, 200, {
      type: 'user',
      username: `emulated-${id}`,
      name: `Emulated account ${id}`,
      github_url: null,
    });
  }
  if (method === 'GET' && path === '/webhooks/default/secret')
    return sendJson(res, 200, { key: webhookSecretFor(token) });
  if (method === 'GET' && path === '/predictions') {
    const all = store.list();
    const offset = Math.max(0, Number(url.searchParams.get('cursor') ?? 0) || 0);
    const next =
      offset + PAGE_SIZE < all.length
        ? `${originOf(req)}${opts.basePath}/predictions?cursor=${offset + PAGE_SIZE}`
        : null;
    const previous =
      offset > 0 ? `${originOf(req)}${opts.basePath}/predictions?cursor=${Math.max(0, offset - PAGE_SIZE)}` : null;
    return sendJson(res, 200, {
      previous,
      next,
      results: all.slice(offset, offset + PAGE_SIZE).map((r) => store.toJson(r)),
    });
  }
  if (method === 'GET' && (m = /^\/predictions\/([^/]+)$/.exec(path))) {
    const rec = store.get(m[1]!);
    if (!rec) throw notFound();
    return sendJson(res, 200, store.toJson(rec));
  }
  if (method === 'POST' && (m = /^\/predictions\/([^/]+)\/cancel$/.exec(path))) {
    accounting.recordCancelCall();
    const rec = store.cancel(m[1]!);
    if (!rec) throw notFound();
    return sendJson(res, 200, store.toJson(rec));
  }
  throw notFound();
};
