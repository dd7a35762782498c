import { z } from 'zod';
import { hasVisibleText, stripControlCharacters } from '../text/clean.js';

/**
 * Field schemas that several requests share, so a story, a prompt, a model name or extra model
 * input means the same thing, and is checked the same way, wherever it arrives.
 */

/** `owner/name` or `owner/name:version` (a 8–64 hex version id), as Replicate names models. */
export const MODEL_REF = /^[a-z0-9][\w.-]*\/[\w.-]+(?::[0-9a-f]{8,64})?$/i;

export const modelRefSchema = z.string().regex(MODEL_REF, 'model must look like owner/name or owner/name:version');

/** Text a person wrote: control characters stripped, trimmed, and something visible left in it. */
export function userTextSchema(name: string, maxChars: number) {
  return z
    .string({ error: `${name} is required and must be a string` })
    .transform(stripControlCharacters)
    .pipe(
      z
        .string()
        .trim()
        .min(1, { error: `${name} must not be empty`, abort: true })
        .max(maxChars, `${name} must be at most ${maxChars} characters`)
        .refine(hasVisibleText, `${name} has no visible characters (only spaces or invisible ones)`),
    );
}

/** Keys that would reach an object's prototype if anything ever merged them naively. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const MAX_MODEL_INPUT_FIELDS = 20;

/**
 * Extra model input merged over ours (e.g. {"num_inference_steps": 4}): at most 20 fields of
 * strings, numbers or booleans. `__proto__`, `constructor` and `prototype` are refused before
 * zod's record (which would quietly drop `__proto__`) ever sees them.
 */
export const modelInputSchema = z.preprocess(
  (raw, ctx) => {
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      for (const key of Object.keys(raw)) {
        if (FORBIDDEN_KEYS.has(key))
          ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is not allowed as a field name` });
      }
    }
    return raw;
  },
  z
    .record(
      z.string().max(64),
      z.union([z.string().max(2000), z.number(), z.boolean()], {
        error: 'must be a string, a number or a boolean (objects and lists are not accepted)',
      }),
      { error: 'modelInput must be an object of fields' },
    )
    .refine(
      (r) => Object.keys(r).length <= MAX_MODEL_INPUT_FIELDS,
      `modelInput may hold at most ${MAX_MODEL_INPUT_FIELDS} fields`,
    ),
);

/** `{...base, ...extra}` without any key that could reach a prototype. */
export function mergeFields(
  base: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) if (!FORBIDDEN_KEYS.has(key)) merged[key] = value;
  return merged;
}

/** A Replicate API token as runs carry it (operators only: never part of a request schema). */
export const replicateTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{8,200}$/, 'is not a Replicate token');
