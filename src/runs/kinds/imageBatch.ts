import type { Config } from '../../config/index.js';
import type { BatchProgress } from '../../domain/batch.js';
import {
  type ImageToolBatchInput,
  type ImageToolBatchResult,
  imageToolBatchRequestSchema,
} from '../../domain/imageTool.js';
import { getBatchProgressQuery } from '../../workflows/definitions.js';
import { imageToolBatch } from '../../workflows/imageToolBatch.js';
import { ProviderUnavailableError } from '../errors.js';
import { type StartContext, defineRunKind } from '../kind.js';

const TASK_INDEX = /^(0|[1-9]\d{0,2})$/;

/**
 * A batch of image tool calls (the `imageToolBatch` workflow), made by POST /v1/images/batch after
 * it took every task's picture in; read at /v1/image-batches/:id.
 */
export const imageBatchKind = defineRunKind({
  name: 'toolbatch',
  plural: 'image-batches',
  workflow: imageToolBatch,
  requestSchema: imageToolBatchRequestSchema,
  maxBodyBytes: () => 256 * 1024,
  toInput: (input: ImageToolBatchInput, config: Config, context?: StartContext) => {
    if (config.replicate.keys.length === 0 && !context?.userKey)
      throw new ProviderUnavailableError(
        'Image tools run on Replicate and need keys: set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N), or send your own replicate_api_token.',
      );
    return input;
  },
  idParts: (input: ImageToolBatchInput) => [`${input.tasks.length}tasks`],
  present: (input: ImageToolBatchInput) => ({
    summary: `Image tools · ${input.tasks.length} task${input.tasks.length === 1 ? '' : 's'} · ${[...new Set(input.tasks.map((t) => t.tool))].join(', ')}`,
    details: input.tasks.map((t, i) => `${i}: **${t.tool}**${t.source ? ` ${t.source}` : ''}`).join('\n'),
    provider: 'replicate',
  }),
  progressQuery: getBatchProgressQuery,
  progressOfResult: (r: ImageToolBatchResult): BatchProgress => ({
    total: r.summary.total,
    succeeded: r.summary.successful,
    failed: r.summary.failed,
    running: 0,
  }),
  describeProgress: (p) => `${p.succeeded + p.failed}/${p.total} done`,
  briefProgress: (p) => ({ total: p.total, succeeded: p.succeeded, failed: p.failed, running: p.running }),
  publicProgress: (p) => ({ total: p.total, succeeded: p.succeeded, failed: p.failed, running: p.running }),
  publicResult: (id, r, scrub) => ({
    summary: r.summary,
    successful_results: r.successful_results.map((s) => ({
      task_index: s.task_index,
      tool: s.tool,
      model: s.model,
      outputs: s.outputs.map((o) => ({
        url: `/v1/image-batches/${encodeURIComponent(id)}/files/${s.task_index}/${encodeURIComponent(o.filename)}`,
        filename: o.filename,
        contentType: o.contentType,
        width: o.width,
        height: o.height,
        hasAlpha: o.hasAlpha,
      })),
      ...(s.cost?.usd !== undefined ? { cost_usd: s.cost.usd } : {}),
      ...(s.cached ? { cached: true } : {}),
    })),
    failed_results: r.failed_results.map((f) => ({
      task_index: f.task_index,
      tool: f.tool,
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
      paramsValid: (params: Record<string, string>) =>
        TASK_INDEX.test(params.task ?? '') && /^output(-\d+)?\.(png|jpg|jpeg|webp)$/.test(params.name ?? ''),
      find(result: ImageToolBatchResult, params: Record<string, string>) {
        const out = result.successful_results
          .find((s) => s.task_index === Number(params.task))
          ?.outputs.find((o) => o.filename === params.name);
        return out ? { ref: out.ref, filename: out.filename, contentType: out.contentType } : undefined;
      },
      notFoundMessage: (id: string, params: Record<string, string>) =>
        `Image batch "${id.slice(0, 100)}" has no output "${(params.name ?? '').slice(0, 100)}" for task ${(params.task ?? '').slice(0, 5)}.`,
    },
  ],
});
