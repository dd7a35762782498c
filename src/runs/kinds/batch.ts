import type { Config } from '../../config/index.js';
import {
  type BatchProgress,
  type ImageBatchInput,
  type ImageBatchResult,
  batchRequestSchema,
} from '../../domain/batch.js';
import { getBatchProgressQuery } from '../../workflows/definitions.js';
import { imageBatch } from '../../workflows/imageBatch.js';
import { ProviderUnavailableError } from '../errors.js';
import { type StartContext, defineRunKind } from '../kind.js';
import type { RunState } from '../status.js';

/**
 * A batch body may be larger than a short's: up to 1000 tasks. It becomes the workflow's input, one
 * Temporal payload, which the server caps at 2 MB; 1 MiB leaves room for the rest of the start call.
 */
export const BATCH_MAX_BODY_BYTES = 1024 * 1024;

const TASK_INDEX = /^(0|[1-9]\d{0,5})$/;

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

/** An image batch on the Replicate key pool (the `imageBatch` workflow), in the batch tool's shapes. */
export const batchKind = defineRunKind({
  name: 'batch',
  plural: 'batches',
  workflow: imageBatch,
  requestSchema: batchRequestSchema,
  maxBodyBytes: () => BATCH_MAX_BODY_BYTES,
  toInput: withDefaults,
  // `batch-12tasks-k3j9x2`
  idParts: (input: ImageBatchInput) => [`${input.tasks.length}tasks`],
  present: (input: ImageBatchInput) => ({
    summary: summaryOf(input),
    details: detailsOf(input),
    provider: 'replicate',
  }),
  progressQuery: getBatchProgressQuery,
  progressOfResult(result: ImageBatchResult): BatchProgress {
    const succeeded = result.successful_results.length;
    const failed = result.failed_results.length;
    return { total: succeeded + failed, succeeded, failed, running: 0 };
  },
  describeProgress: (p) => `${p.succeeded + p.failed}/${p.total} done`,
  briefProgress: (p) => ({ total: p.total, succeeded: p.succeeded, failed: p.failed, running: p.running }),
  publicProgress: (p) => ({
    total: p.total,
    succeeded: p.succeeded,
    failed: p.failed,
    running: p.running,
    ...(p.budget ? { budget: p.budget } : {}),
  }),
  // The batch tool's output shape. A stored file's `url` is our download link; with `download: false`
  // it is Replicate's own URL (valid for an hour).
  publicResult: (id, r, scrub) => ({
    summary: r.summary,
    successful_results: r.successful_results.map((s) => ({
      task_index: s.task_index,
      prompt: s.prompt,
      output_filename: s.output_filename,
      generated_files: s.generated_files.map((f) => ({
        url: f.ref !== undefined ? batchFileLink(id, s.task_index, f.filename) : f.url,
        filename: f.filename,
      })),
      ...(s.cost_usd !== undefined ? { cost_usd: s.cost_usd } : {}),
      ...(s.cached ? { cached: true } : {}),
    })),
    failed_results: r.failed_results.map((f) => ({
      task_index: f.task_index,
      prompt: f.prompt,
      error: { type: f.error.type, message: scrub(f.error.message) },
    })),
    ...(r.cost ? { cost: r.cost } : {}),
  }),
  extraLinks: () => ({}),
  files: [
    {
      path: '/:id/files/:task/:name',
      noun: 'file',
      ranges: true,
      paramsValid: (params: Record<string, string>) => TASK_INDEX.test(params.task ?? ''),
      find(result: ImageBatchResult, params: Record<string, string>) {
        const file = result.successful_results
          .find((r) => r.task_index === Number(params.task))
          ?.generated_files.find((f) => f.filename === params.name && f.ref !== undefined);
        if (!file?.ref) return undefined;
        const ext = file.filename.split('.').pop()!.toLowerCase();
        return {
          ref: file.ref,
          filename: file.filename,
          contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
        };
      },
      notFoundMessage: (id: string, params: Record<string, string>) =>
        `Batch "${id.slice(0, 100)}" has no file "${(params.name ?? '').slice(0, 200)}" for task ${(params.task ?? '').slice(0, 10)}.`,
    },
  ],
});

export function batchFileLink(id: string, taskIndex: number, filename: string): string {
  return `/v1/batches/${encodeURIComponent(id)}/files/${taskIndex}/${encodeURIComponent(filename)}`;
}

/** Batches need Replicate; the model defaults to REPLICATE_IMAGE_MODEL. */
function withDefaults(request: ImageBatchInput, config: Config, context?: StartContext): ImageBatchInput {
  if (config.replicate.keys.length === 0 && !context?.userKey) {
    throw new ProviderUnavailableError(
      'Image batches run on Replicate and need keys: set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N) for the API and the workers.',
    );
  }
  return {
    ...request,
    model: request.model ?? config.replicate.defaultModel,
    ...(!request.budget && config.api.defaultBudgetUsd
      ? { budget: { maxUsd: config.api.defaultBudgetUsd, onExceed: 'pause' as const } }
      : {}),
  };
}

/** `flux-schnell` for `black-forest-labs/flux-schnell:5599ed30…`. */
function modelName(model: string): string {
  return model.split(':')[0]!.split('/').pop() ?? model;
}

/** "Image batch · 12 tasks · flux-schnell" in the Web UI's run list. */
function summaryOf(input: ImageBatchInput): string {
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

export type BatchState = RunState<BatchProgress, ImageBatchResult>;
