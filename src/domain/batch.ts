import { budgetSchema, type BudgetState } from './budget.js';
import type { Cost, CostSummary } from './cost.js';
import { z } from 'zod';
import { modelInputSchema, modelRefSchema, replicateTokenSchema, userTextSchema } from './fields.js';

/**
 * Image batches: the input and output shapes of the batch tool our users already run
 * ({"tasks":[{prompt, output_filename}]} → successful_results / failed_results), served by the
 * Replicate key pool. Pure types, schemas and helpers: workflows import this file too.
 */

export const MAX_BATCH_TASKS = 1000;
export const MAX_PROMPT_CHARS = 2000;
export const MAX_OUTPUT_FILENAME_CHARS = 200;
export const DEFAULT_OUTPUT_BASENAME = 'image';

/**
 * The request both front ends accept, and the workflow's input once the API filled the model: the
 * batch tool's `{"tasks":[{prompt, output_filename}]}` plus reelflow's model options.
 */
export const batchRequestSchema = z
  .object({
    tasks: z
      .array(
        z
          .object({
            prompt: userTextSchema('prompt', MAX_PROMPT_CHARS),
            /** Name for the output; several outputs become `<base>_1.<ext>`, `<base>_2.<ext>`… */
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
    /** `owner/name` or `owner/name:version`; default black-forest-labs/flux-schnell. */
    model: modelRefSchema.optional(),
    /** Extra model input merged over the defaults (e.g. `{ num_outputs: 2, aspect_ratio: '16:9' }`). */
    modelInput: modelInputSchema.optional(),
    /** true (default): copy outputs into our storage; false: return Replicate's URLs (they expire after an hour). */
    download: z.boolean().default(true),
    /** A spending cap for the batch's predictions (default BUDGET_MAX_USD when set). */
    budget: budgetSchema.optional(),
    /** false: predict every task even when the generation cache has it (default: use the cache). */
    cache: z.boolean().optional(),
  })
  .strict();

/** What the workflow accepts: the request plus what only the API sets (a user's own token). */
export const imageBatchInputSchema = batchRequestSchema.extend({ replicateToken: replicateTokenSchema.optional() });

export type BatchRequest = z.input<typeof batchRequestSchema>;
export type ImageBatchInput = z.output<typeof imageBatchInputSchema>;
export type BatchTask = ImageBatchInput['tasks'][number];

/** One output: a storage ref when downloaded, Replicate's URL otherwise. */
export interface GeneratedFile {
  url?: string;
  ref?: string;
  filename: string;
}

export interface GenerateImageInput {
  /** Groups a batch's files in storage: `batches/<batchKey>/<taskIndex>/<filename>`. */
  batchKey: string;
  taskIndex: number;
  prompt: string;
  model: string;
  modelInput?: Record<string, unknown>;
  outputFilename?: string;
  download?: boolean;
  /** false: predict even when the generation cache has this exact generation. */
  cache?: boolean;
}

export interface GenerateImageResult {
  taskIndex: number;
  /** Absent for a cache hit: no prediction was made. */
  predictionId?: string;
  /** Served from the generation cache: nothing was paid. */
  cached?: boolean;
  /** Masked key that paid for it, e.g. `#2 r8_…a1b2` (absent for a cache hit). */
  key?: string;
  files: GeneratedFile[];
  predictTimeSec?: number;
  /** What the prediction cost (absent in results of runs made before costs were counted). */
  cost?: Cost;
}

export interface BatchSuccess {
  task_index: number;
  prompt: string;
  output_filename: string;
  generated_files: GeneratedFile[];
  /** The task's prediction's cost in dollars, when its price is known. */
  cost_usd?: number;
  /** Served from the generation cache: no prediction, nothing paid. */
  cached?: boolean;
}

export interface BatchFailure {
  task_index: number;
  prompt: string;
  error: { type: string; message: string };
}

export interface ImageBatchResult {
  successful_results: BatchSuccess[];
  failed_results: BatchFailure[];
  /** "N successful, M failed" */
  summary: string;
  /** What the batch spent (absent in results of runs made before costs were counted). */
  cost?: CostSummary;
}

export interface BatchProgress {
  total: number;
  succeeded: number;
  failed: number;
  /** Not finished yet: waiting for a free key slot or predicting. */
  running: number;
  /** The ledger of a batch with a budget. */
  budget?: BudgetState;
}

/** A safe single path segment: no separators, no dot-only names, at most 120 characters. */
export function safeSegment(raw: string, fallback: string): string {
  const cleaned = raw
    .replace(/[^\w.-]+/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 120);
  return cleaned === '' ? fallback : cleaned;
}

/**
 * File names for `count` outputs, like the batch tool: one output keeps `<base>.<ext>`, several
 * become `<base>_1.<ext>`, `<base>_2.<ext>`… `ext` is the real format of each output, so a PNG is
 * never saved under a `.jpg` name; the user's extension is replaced when it differs.
 */
export function outputFilenames(outputFilename: string | undefined, extensions: string[]): string[] {
  const name = safeSegment((outputFilename ?? '').split(/[\\/]/).pop() ?? '', DEFAULT_OUTPUT_BASENAME);
  const dot = name.lastIndexOf('.');
  const base = dot > 0 ? name.slice(0, dot) : name;
  return extensions.map((ext, i) => (extensions.length === 1 ? `${base}.${ext}` : `${base}_${i + 1}.${ext}`));
}
