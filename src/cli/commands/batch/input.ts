import { type ImageBatchInput, batchRequestSchema } from '../../../domain/batch.js';
import { describeIssues } from '../../../util/describeIssues.js';
import { UsageError } from '../../errors.js';
import { readInput } from '../../readInput.js';

export interface TaskFlags {
  model?: string;
  'no-download'?: boolean;
}

/**
 * The tasks file through the API's own schema: the batch tool's `{"tasks": [...]}` or a bare list
 * of tasks. Flags override what the file says.
 */
export async function readTasksFile(file: string, flags: TaskFlags): Promise<ImageBatchInput> {
  const text = await readInput(file, 'tasks file', '--file');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`The tasks file ${file} is not valid JSON: ${(err as Error).message}`, 'batch');
  }
  const body = Array.isArray(raw) ? { tasks: raw } : raw;
  const merged =
    body && typeof body === 'object'
      ? {
          ...body,
          ...(flags.model !== undefined ? { model: flags.model } : {}),
          ...(flags['no-download'] ? { download: false } : {}),
        }
      : body;
  const parsed = batchRequestSchema.safeParse(merged);
  if (!parsed.success) {
    const label = (path: string) => (path === 'model' ? '--model / model' : path || '(file)');
    const { message } = describeIssues(parsed.error, { label, max: 10 });
    throw new UsageError(`Invalid tasks file ${file}: ${message}`, 'batch');
  }
  return parsed.data;
}
