/**
 * One image tool call (POST /v1/images/:tool): what the API hands the `imageTool` workflow after it
 * took the picture in (upload, URL or data URL: checked by its bytes, EXIF-rotated, compressed and
 * stored), and what the workflow answers. Pure schemas and types: workflows import this file too.
 */
import { z } from 'zod';
import { IMAGE_TOOLS, type ImageToolName } from '../catalog/tools.js';
import { ASPECTS } from './shortRequest.js';
import type { Cost, CostSummary } from './cost.js';
import { replicateTokenSchema, userTextSchema } from './fields.js';

export { IMAGE_TOOLS, type ImageToolName };

/** Where the API stored a picture it took in; only this shape of key is accepted from a request. */
export const UPLOAD_REF = /^uploads\/[0-9a-f]{32}\/(image|mask)\.(png|jpg)$/;
const uploadRef = z.string().regex(UPLOAD_REF, 'must be a picture this service took in (POST /v1/images/:tool)');

/** The options a caller may set, checked per tool (the model's own limits, in our words). */
export const toolOptionsSchema = z
  .object({
    /** upscale: 2 or 4 (default 4); restore-face: 1 to 4 (default 2). */
    scale: z.number().int().min(1).max(4).optional(),
    /** upscale: run GFPGAN over the faces too. */
    face_enhance: z.boolean().optional(),
    /** generate and inpaint: what to draw. */
    prompt: userTextSchema('prompt', 2000).optional(),
    negative_prompt: userTextSchema('negative_prompt', 2000).optional(),
    seed: z.number().int().min(0).max(2_147_483_647).optional(),
    /** generate: the picture's shape (default 1:1). */
    aspect: z.enum(ASPECTS).optional(),
  })
  .strict();
export type ToolOptions = z.output<typeof toolOptionsSchema>;

const toolCallFields = z.object({
  tool: z.enum(IMAGE_TOOLS),
  imageRef: uploadRef.optional(),
  maskRef: uploadRef.optional(),
  options: toolOptionsSchema,
  /** What the caller sent, for the Web UI: a file name or the URL's host, never the bytes. */
  source: z.string().max(300).optional(),
  cache: z.boolean().optional(),
});
const checkCall = (input: z.output<typeof toolCallFields>, ctx: z.RefinementCtx) => {
  for (const problem of toolProblems(input.tool, input)) ctx.addIssue({ code: 'custom', message: problem });
};

/** A tool call as a request names it (the API's intake makes it from an upload or a URL). */
export const imageToolRequestSchema = toolCallFields.strict().superRefine(checkCall);
/** What the workflow accepts: the request plus what only the API sets (a user's own token). */
export const imageToolInputSchema = toolCallFields
  .extend({ replicateToken: replicateTokenSchema.optional() })
  .strict()
  .superRefine(checkCall);
export type ImageToolInput = z.output<typeof imageToolInputSchema>;

/** What is wrong with a call of `tool`, in words the caller can act on; empty when nothing is. */
export function toolProblems(
  tool: ImageToolName,
  call: { imageRef?: string; maskRef?: string; options: ToolOptions },
): string[] {
  const o = call.options;
  const problems: string[] = [];
  const needsImage = tool !== 'generate';
  if (needsImage && !call.imageRef)
    problems.push(`${tool} needs an image: upload one as "image", or send {"url"} or {"dataUrl"}`);
  if (!needsImage && call.imageRef) problems.push('generate makes a picture from a prompt alone; send no image');
  if (tool === 'inpaint' && !call.maskRef)
    problems.push('inpaint needs a mask (white where to paint): upload "mask" or send maskUrl/maskDataUrl');
  if (tool !== 'inpaint' && call.maskRef) problems.push(`${tool} takes no mask`);
  if ((tool === 'generate' || tool === 'inpaint') && !o.prompt) problems.push(`${tool} needs a prompt`);
  if (tool === 'upscale' && o.scale !== undefined && o.scale !== 2 && o.scale !== 4)
    problems.push('scale must be 2 or 4');
  if (o.scale !== undefined && tool !== 'upscale' && tool !== 'restore-face') problems.push(`${tool} takes no scale`);
  if (o.face_enhance !== undefined && tool !== 'upscale') problems.push(`${tool} takes no face_enhance (upscale does)`);
  if (o.aspect !== undefined && tool !== 'generate')
    problems.push(`${tool} keeps its image's shape; aspect is for generate`);
  if ((o.prompt !== undefined || o.negative_prompt !== undefined) && tool !== 'generate' && tool !== 'inpaint')
    problems.push(`${tool} takes no prompt`);
  return problems;
}

export interface ToolOutput {
  ref: string;
  filename: string;
  contentType: 'image/png' | 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
  hasAlpha: boolean;
  bytes: number;
}

export interface ImageToolResult {
  tool: ImageToolName;
  model: string;
  outputs: ToolOutput[];
  /** The input as sent to the model, after EXIF rotation and compression. */
  input?: { width: number; height: number };
  predictionId?: string;
  key?: string;
  cost?: Cost;
  cached?: boolean;
}

export interface ImageToolProgress {
  stage: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  tool: ImageToolName;
  error?: string;
}

/** A batch of tool calls (POST /v1/images/batch), each task on its own, in the batch tool's shape. */
export const MAX_TOOL_BATCH_TASKS = 100;
const toolBatchFields = z.object({
  tasks: z
    .array(toolCallFields.strict().superRefine(checkCall))
    .min(1, 'tasks must hold at least one task')
    .max(MAX_TOOL_BATCH_TASKS, `tasks must hold at most ${MAX_TOOL_BATCH_TASKS} tasks`),
});
export const imageToolBatchRequestSchema = toolBatchFields.strict();
export const imageToolBatchInputSchema = toolBatchFields
  .extend({ replicateToken: replicateTokenSchema.optional() })
  .strict();
export type ImageToolBatchInput = z.output<typeof imageToolBatchInputSchema>;

export interface ImageToolBatchResult {
  summary: { total: number; successful: number; failed: number };
  successful_results: ({ task_index: number } & ImageToolResult)[];
  failed_results: { task_index: number; tool: ImageToolName; error: { type: string; message: string } }[];
  cost?: CostSummary;
}
