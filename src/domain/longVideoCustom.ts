/**
 * The `custom` task of a long video: any Replicate model run once per chunk, its input written by
 * the caller with placeholders for what only the run knows (the chunk's file, its times, the
 * language). Pure: workflows import this file too.
 */
import { z } from 'zod';

/** Every placeholder a value may be, and nothing else: a string holding `{{…}}` must be exactly one. */
export const CHUNK_PLACEHOLDERS = [
  '{{chunk.url}}',
  '{{chunk.startSec}}',
  '{{chunk.endSec}}',
  '{{chunk.index}}',
  '{{language}}',
] as const;
export type ChunkPlaceholder = (typeof CHUNK_PLACEHOLDERS)[number];

/** What a chunk fills the placeholders with (numbers stay numbers). */
export interface ChunkValues {
  url: string;
  startSec: number;
  endSec: number;
  index: number;
  language?: string;
}

const MODEL_REF = /^[a-z0-9][a-z0-9_.-]*\/[a-z0-9][a-z0-9_.-]*(?::[0-9a-f]{64})?$/i;

/** Every string in a JSON value, with its path ("input.audio_file", "input.files[0]"). */
function stringsIn(value: unknown, at: string): { at: string; text: string }[] {
  if (typeof value === 'string') return [{ at, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringsIn(v, `${at}.${k}`));
  return [];
}

export const customTaskSchema = z
  .object({
    model: z.string().max(200).regex(MODEL_REF, 'custom.model must be "owner/name" or "owner/name:<64-hex version>"'),
    input: z.record(z.string().min(1).max(100), z.unknown()),
    /** What each chunk holds: the audio alone (copied out), or the picture (cut at keyframes). */
    media: z.enum(['audio', 'video']).default('audio'),
  })
  .strict()
  .superRefine((custom, ctx) => {
    const strings = stringsIn(custom.input, 'input');
    for (const { at, text } of strings) {
      if (!text.includes('{{')) continue;
      if (!(CHUNK_PLACEHOLDERS as readonly string[]).includes(text)) {
        ctx.addIssue({
          code: 'custom',
          path: at
            .split(/[.[\]]+/)
            .filter(Boolean)
            .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
          message: `"${text.slice(0, 60)}" is not a placeholder; a value may be exactly one of ${CHUNK_PLACEHOLDERS.join(', ')}`,
        });
      }
    }
    if (!strings.some((s) => s.text === '{{chunk.url}}')) {
      ctx.addIssue({
        code: 'custom',
        path: ['input'],
        message: 'custom.input must pass the chunk to the model: give one of its fields the value "{{chunk.url}}"',
      });
    }
    if (JSON.stringify(custom.input).length > 8192) {
      ctx.addIssue({ code: 'custom', path: ['input'], message: 'custom.input is larger than 8 KB' });
    }
  });
export type CustomTask = z.output<typeof customTaskSchema>;

/** The model's input for one chunk: every placeholder replaced by its value (absent language: the field is left out). */
export function fillPlaceholders(input: Record<string, unknown>, chunk: ChunkValues): Record<string, unknown> {
  const value = (v: unknown): unknown => {
    if (typeof v === 'string') {
      switch (v as ChunkPlaceholder) {
        case '{{chunk.url}}':
          return chunk.url;
        case '{{chunk.startSec}}':
          return chunk.startSec;
        case '{{chunk.endSec}}':
          return chunk.endSec;
        case '{{chunk.index}}':
          return chunk.index;
        case '{{language}}':
          return chunk.language;
        default:
          return v;
      }
    }
    if (Array.isArray(v)) return v.map(value);
    if (v && typeof v === 'object') return fill(v as Record<string, unknown>);
    return v;
  };
  const fill = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).flatMap(([k, v]) => (value(v) === undefined ? [] : [[k, value(v)]])));
  return fill(input);
}
