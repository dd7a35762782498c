import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import { type BatchProgress, type ImageBatchInput, type ImageBatchResult, MAX_BATCH_TASKS } from '../domain/batch.js';
import { shortRequestSchema } from '../domain/shortRequest.js';
import { webUiLink } from '../temporal/connect.js';
import { getBatchProgressQuery } from '../workflows/imageBatch.js';
import { requestFingerprint } from './shortIds.js';
import { IdempotencyConflictError, ProviderUnavailableError, type RunStatus } from './shorts.js';

/**
 * What the API and the CLI both do with image batches (the `imageBatch` workflow), in one place:
 * start (idempotently), read status with live progress, cancel. Same rules as shorts: an
 * Idempotency-Key maps to one workflow ID, a retried request is recognised by its fingerprint.
 */
export const MAX_PROMPT_CHARS = 2000;
export const MAX_OUTPUT_FILENAME_CHARS = 200;

/**
 * The request both front ends accept: the batch tool's `{"tasks":[{prompt, output_filename}]}` plus
 * reelflow's model options. `model` and `modelInput` follow the same rules as for shorts.
 */
export const batchRequestSchema = z
  .object({
    tasks: z
      .array(
        z
          .object({
            prompt: z
              .string({ error: 'prompt is required and must be a string' })
              .min(1, 'prompt must not be empty')
              .max(MAX_PROMPT_CHARS, `prompt must be at most ${MAX_PROMPT_CHARS} characters`)
              .refine((p) => p.trim() !== '', 'prompt must not be blank'),
            output_filename: z
              .string({ error: 'output_filename must be a string' })
              .max(MAX_OUTPUT_FILENAME_CHARS, `output_filename must be at most ${MAX_OUTPUT_FILENAME_CHARS} characters`)
              .optional(),
          })
          .strict(),
        { error: 'tasks is required and must be a list of {prompt, output_filename?}' },
      )
      .min(1, 'tasks must hold at least one task')
      .max(MAX_BATCH_TASKS, `tasks must hold at most ${MAX_BATCH_TASKS} tasks`),
    model: shortRequestSchema.shape.model,
    modelInput: shortRequestSchema.shape.modelInput,
    download: z.boolean().default(true),
  })
  .strict();

export type BatchRequest = z.input<typeof batchRequestSchema>;
export type ParsedBatchRequest = z.output<typeof batchRequestSchema>;

export interface BatchStatus {
  id: string;
  runId: string;
  status: RunStatus;
  progress?: BatchProgress;
  result?: ImageBatchResult;
  error?: { type: string; message: string };
  startedAt?: string;
  closedAt?: string;
  webUiUrl: string;
}

export interface StartedBatch {
  id: string;
  runId: string;
  /** False when an Idempotency-Key matched a run that already existed. */
  created: boolean;
  /** The run's status now: a retried POST may find it already finished. */
  status: RunStatus;
  webUiUrl: string;
}

export class BatchNotFoundError extends Error {
  override name = 'BatchNotFoundError';
}

/** `batch-12tasks-k3j9x2`: readable in the Web UI, and always starting with `batch-`. */
export function newBatchId(taskCount: number): string {
  const suffix = randomBytes(4)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')
    .slice(0, 6);
  return `batch-${taskCount}tasks-${suffix}`;
}

/** An Idempotency-Key maps to one workflow ID; hashed so a key never shows up verbatim anywhere. */
export function batchIdForIdempotencyKey(key: string): string {
  return `batch-idem-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** Batches need Replicate; the model defaults to REPLICATE_IMAGE_MODEL, download to true. */
function withDefaults(request: ParsedBatchRequest, config: Config): ImageBatchInput {
  if (config.replicate.keys.length === 0) {
    throw new ProviderUnavailableError(
      'Image batches run on Replicate and need keys: set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N) for the API and the workers.',
    );
  }
  return {
    tasks: request.tasks.map((t) => ({
      prompt: t.prompt,
      ...(t.output_filename !== undefined ? { output_filename: t.output_filename } : {}),
    })),
    model: request.model ?? config.replicate.defaultModel,
    ...(request.modelInput ? { modelInput: request.modelInput } : {}),
    download: request.download,
  };
}

export async function startBatch(
  client: Client,
  config: Config,
  request: ParsedBatchRequest,
  options: { idempotencyKey?: string; taskQueue?: string } = {},
): Promise<StartedBatch> {
  const input = withDefaults(request, config);
  const fingerprint = requestFingerprint(input);
  const workflowId = options.idempotencyKey
    ? batchIdForIdempotencyKey(options.idempotencyKey)
    : newBatchId(input.tasks.length);
  try {
    const handle = await client.workflow.start('imageBatch', {
      taskQueue: options.taskQueue ?? config.taskQueue,
      workflowId,
      args: [input],
      memo: { requestFingerprint: fingerprint },
      staticSummary: summaryOf(input),
      staticDetails: detailsOf(input),
      workflowIdConflictPolicy: options.idempotencyKey ? 'USE_EXISTING' : 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return await confirmSameRequest(client, config, workflowId, handle.firstExecutionRunId, fingerprint);
  } catch (err) {
    // A closed run with the same Idempotency-Key: the retried request gets that run, not a new one.
    if (options.idempotencyKey && err instanceof WorkflowExecutionAlreadyStartedError) {
      return confirmSameRequest(client, config, workflowId, undefined, fingerprint);
    }
    throw err;
  }
}

async function confirmSameRequest(
  client: Client,
  config: Config,
  workflowId: string,
  startedRunId: string | undefined,
  fingerprint: string,
): Promise<StartedBatch> {
  const description = await client.workflow.getHandle(workflowId).describe();
  if (description.memo?.requestFingerprint !== fingerprint) {
    throw new IdempotencyConflictError(
      'This Idempotency-Key was already used for a different request; use a new key for a new batch.',
    );
  }
  return {
    id: workflowId,
    runId: description.runId,
    created: startedRunId === description.runId && Date.now() - description.startTime.getTime() < 10_000,
    status: runStatusOf(description.status.name),
    webUiUrl: webUiLink(config, workflowId),
  };
}

/**
 * The batch's state, its result once completed, its error once failed. `progress: false` skips the
 * progress query (a file download needs only the result, and a query waits up to 3 s for a worker).
 */
export async function getBatchStatus(
  client: Client,
  config: Config,
  id: string,
  options: { progress?: boolean } = {},
): Promise<BatchStatus> {
  const handle = client.workflow.getHandle(id);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new BatchNotFoundError(`No batch with id "${id}".`);
    throw err;
  }
  if (description.type !== 'imageBatch') throw new BatchNotFoundError(`No batch with id "${id}".`);
  const status = runStatusOf(description.status.name);
  const base: BatchStatus = {
    id,
    runId: description.runId,
    status,
    startedAt: description.startTime.toISOString(),
    closedAt: description.closeTime?.toISOString(),
    webUiUrl: webUiLink(config, id),
  };
  if (options.progress !== false) base.progress = await queryProgress(client, id);
  if (status === 'completed') {
    base.result = (await handle.result()) as ImageBatchResult;
    // The query needs a worker; a finished batch's counts are in its result anyway.
    base.progress ??= progressOf(base.result);
  }
  if (status === 'failed' || status === 'timed_out' || status === 'terminated') base.error = await failureOf(handle);
  return base;
}

export async function cancelBatch(client: Client, config: Config, id: string): Promise<BatchStatus> {
  const current = await getBatchStatus(client, config, id);
  if (current.status === 'running') await client.workflow.getHandle(id).cancel();
  return current;
}

/** A query needs a worker; when none answers within a few seconds, report no progress rather than hang. */
async function queryProgress(client: Client, id: string): Promise<BatchProgress | undefined> {
  try {
    return await client.withDeadline(Date.now() + 3000, () =>
      client.workflow.getHandle(id).query(getBatchProgressQuery),
    );
  } catch {
    return undefined;
  }
}

function progressOf(result: ImageBatchResult): BatchProgress {
  const succeeded = result.successful_results.length;
  const failed = result.failed_results.length;
  return { total: succeeded + failed, succeeded, failed, running: 0 };
}

async function failureOf(
  handle: ReturnType<Client['workflow']['getHandle']>,
): Promise<{ type: string; message: string }> {
  try {
    await handle.result();
    return { type: 'Unknown', message: 'The run ended without a result.' };
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      type Cause = { message?: string; type?: string; cause?: unknown } | undefined;
      let cause = err.cause as Cause;
      while (cause?.cause) cause = cause.cause as Cause;
      return { type: cause?.type ?? err.cause?.name ?? 'WorkflowFailed', message: cause?.message ?? err.message };
    }
    return { type: 'Unknown', message: err instanceof Error ? err.message : String(err) };
  }
}

function runStatusOf(name: string): RunStatus {
  const status = name.toLowerCase();
  return status === 'continued_as_new' || status === 'unspecified' ? 'running' : (status as RunStatus);
}

/** `flux-schnell` for `black-forest-labs/flux-schnell:5599ed30…`. */
function modelName(model: string): string {
  return model.split(':')[0]!.split('/').pop() ?? model;
}

/** "Image batch · 12 tasks · flux-schnell" in the Web UI's run list. */
export function summaryOf(input: ImageBatchInput): string {
  const n = input.tasks.length;
  return `Image batch · ${n} task${n === 1 ? '' : 's'} · ${modelName(input.model ?? '')}`;
}

function detailsOf(input: ImageBatchInput): string {
  const chars = [...input.tasks[0]!.prompt.replace(/\s+/g, ' ')];
  const head = `${chars.slice(0, 80).join('')}${chars.length > 80 ? '…' : ''}`;
  return [
    `**Tasks** ${input.tasks.length} · **model** ${input.model}`,
    `**Outputs** ${input.download === false ? "Replicate's URLs (expire after an hour)" : 'stored in DATA_DIR'}${
      input.modelInput ? ` · **modelInput** ${Object.keys(input.modelInput).join(', ')}` : ''
    }`,
    `**First prompt** “${head}”`,
  ].join('\n');
}
