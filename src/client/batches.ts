import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import { type BatchProgress, type ImageBatchInput, type ImageBatchResult, MAX_BATCH_TASKS } from '../domain/batch.js';
import { shortRequestSchema } from '../domain/shortRequest.js';
import { getBatchProgressQuery } from '../workflows/imageBatch.js';
import {
  ProviderUnavailableError,
  type RunStatus,
  type StartedRun,
  describeRun,
  endedBadly,
  failureOf,
  queryWithDeadline,
  runBasics,
  startIdempotentRun,
} from './runs.js';
import { idForIdempotencyKey } from './shortIds.js';

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

export type StartedBatch = StartedRun;

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
  return idForIdempotencyKey('batch', key);
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
  return startIdempotentRun(client, config, {
    workflowType: 'imageBatch',
    kind: 'batch',
    newId: () => newBatchId(input.tasks.length),
    input,
    summary: summaryOf(input),
    details: detailsOf(input),
    taskQueue: options.taskQueue ?? config.taskQueue,
    idempotencyKey: options.idempotencyKey,
  });
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
  const description = await describeRun(client, id);
  if (description?.type !== 'imageBatch') throw new BatchNotFoundError(`No batch with id "${id}".`);
  const base: BatchStatus = runBasics(config, id, description);
  if (options.progress !== false) base.progress = await queryWithDeadline(client, id, getBatchProgressQuery);
  if (base.status === 'completed') {
    base.result = (await client.workflow.getHandle(id).result()) as ImageBatchResult;
    // The query needs a worker; a finished batch's counts are in its result anyway.
    base.progress ??= progressOf(base.result);
  }
  if (endedBadly(base.status)) base.error = await failureOf(client, id);
  return base;
}

export async function cancelBatch(client: Client, config: Config, id: string): Promise<BatchStatus> {
  const current = await getBatchStatus(client, config, id);
  if (current.status === 'running') await client.workflow.getHandle(id).cancel();
  return current;
}

function progressOf(result: ImageBatchResult): BatchProgress {
  const succeeded = result.successful_results.length;
  const failed = result.failed_results.length;
  return { total: succeeded + failed, succeeded, failed, running: 0 };
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
