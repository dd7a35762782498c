import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { ErrorTypes } from '../domain/errors.js';
import { describeIssues } from '../util/describeIssues.js';

/**
 * A workflow's input through the same schema the API validated it with. Input that skipped the API
 * (`temporal workflow start --input …`) gets its defaults here, or fails at once: retrying cannot
 * fix it. Parsing is pure and deterministic, so it is safe in workflow code.
 */
export function parseWorkflowInput<S extends z.ZodType>(workflowType: string, schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.create({
    type: ErrorTypes.InvalidInput,
    nonRetryable: true,
    message: `Invalid ${workflowType} input: ${describeIssues(parsed.error, { max: 10 }).message}`,
  });
}
