import type { Config } from '../../config/index.js';
import { toolModel } from '../../catalog/tools.js';
import {
  type ImageToolInput,
  type ImageToolProgress,
  type ImageToolResult,
  imageToolRequestSchema,
} from '../../domain/imageTool.js';
import { getImageToolProgressQuery } from '../../workflows/definitions.js';
import { imageTool } from '../../workflows/imageTool.js';
import { ProviderUnavailableError } from '../errors.js';
import { type StartContext, defineRunKind } from '../kind.js';
import type { RunState } from '../status.js';

/**
 * One image tool call (the `imageTool` workflow) on the key pool. Its input is made by the API's
 * intake (api/routes/images.ts), which takes the picture in and stores it; a request naming a
 * stored picture directly must name one in uploads/ (UPLOAD_REF), never any other path.
 */
export const imageKind = defineRunKind({
  name: 'image',
  plural: 'images',
  workflow: imageTool,
  requestSchema: imageToolRequestSchema,
  maxBodyBytes: () => 64 * 1024,
  toInput: requireKeys,
  // `image-upscale-k3j9x2`
  idParts: (input: ImageToolInput) => [input.tool],
  present: (input: ImageToolInput) => ({
    summary: `Image tool · ${input.tool} · ${toolModel(input.tool).model.split('/').pop()}`,
    details: [
      `**Tool** ${input.tool} · **model** ${toolModel(input.tool).model}`,
      input.source ? `**Input** ${input.source}` : '',
      Object.keys(input.options).length ? `**Options** ${Object.keys(input.options).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    provider: 'replicate',
  }),
  progressQuery: getImageToolProgressQuery,
  progressOfResult: (result: ImageToolResult): ImageToolProgress => ({ stage: 'completed', tool: result.tool }),
  describeProgress: (p) => p.stage,
  briefProgress: (p) => ({ stage: p.stage }),
  publicProgress: (p, scrub) => ({ stage: p.stage, tool: p.tool, ...(p.error ? { error: scrub(p.error) } : {}) }),
  publicResult: (id, r) => ({
    tool: r.tool,
    model: r.model,
    outputs: r.outputs.map((o) => ({
      url: `/v1/images/${encodeURIComponent(id)}/files/${encodeURIComponent(o.filename)}`,
      filename: o.filename,
      contentType: o.contentType,
      width: o.width,
      height: o.height,
      hasAlpha: o.hasAlpha,
      bytes: o.bytes,
    })),
    ...(r.input ? { input: r.input } : {}),
    ...(r.cost ? { cost: r.cost } : {}),
    ...(r.cached ? { cached: true } : {}),
  }),
  extraLinks: (self) => ({ output: `${self}/files/output.png` }),
  files: [
    {
      path: '/:id/files/:name',
      noun: 'file',
      ranges: true,
      paramsValid: (params: Record<string, string>) => /^output(-\d+)?\.(png|jpg|jpeg|webp)$/.test(params.name ?? ''),
      find(result: ImageToolResult, params: Record<string, string>) {
        const out = result.outputs.find((o) => o.filename === params.name);
        return out ? { ref: out.ref, filename: out.filename, contentType: out.contentType } : undefined;
      },
      notFoundMessage: (id: string, params: Record<string, string>) =>
        `Image run "${id.slice(0, 100)}" has no output "${(params.name ?? '').slice(0, 100)}".`,
    },
  ],
});

function requireKeys(input: ImageToolInput, config: Config, context?: StartContext): ImageToolInput {
  if (config.replicate.keys.length === 0 && !context?.userKey) {
    throw new ProviderUnavailableError(
      'Image tools run on Replicate and need keys: set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N) for the API and the workers.',
    );
  }
  return input;
}

export type ImageState = RunState<ImageToolProgress, ImageToolResult>;
