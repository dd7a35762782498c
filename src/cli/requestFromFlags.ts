import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { type ShortVideoInput, shortRequestSchema } from '../domain/shortRequest.js';
import { CliError, UsageError } from './errors.js';

export interface MakeFlags {
  story?: string;
  'story-file'?: string;
  scenes?: string;
  aspect?: string;
  language?: string;
  'no-captions'?: boolean;
  voice?: string;
  style?: string;
}

/** Which flag sets each request field, so a schema complaint names what the person typed. */
const FLAG_FOR: Record<string, string> = {
  story: '--story',
  sceneCount: '--scenes',
  aspect: '--aspect',
  language: '--language',
  captions: '--no-captions',
  voice: '--voice',
  style: '--style',
};

/** Builds and validates the request through the one schema the API uses too. */
export async function requestFromFlags(flags: MakeFlags): Promise<ShortVideoInput> {
  if (flags.story !== undefined && flags['story-file'] !== undefined) {
    throw new UsageError('Give the story either with --story or with --story-file, not both', 'make');
  }
  if (flags.story === undefined && flags['story-file'] === undefined) {
    throw new UsageError('A story is required: --story "<text>" or --story-file <path>', 'make');
  }
  const story = flags.story ?? (await readStory(flags['story-file']!));
  const sceneCount = flags.scenes === undefined ? undefined : Number(flags.scenes);
  if (sceneCount !== undefined && !(flags.scenes!.trim() !== '' && Number.isInteger(sceneCount))) {
    throw new UsageError(`--scenes must be a whole number, got "${flags.scenes}"`, 'make');
  }
  const parsed = shortRequestSchema.safeParse({
    story,
    sceneCount,
    aspect: flags.aspect,
    language: flags.language,
    captions: flags['no-captions'] ? false : undefined,
    voice: flags.voice,
    style: flags.style,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      const flag = FLAG_FOR[field] ?? field;
      const text = plainMessage(issue);
      return text.startsWith('must ') ? `${flag} ${text}` : `${flag}: ${text}`;
    });
    throw new UsageError(`Invalid request: ${problems.join('; ')}`, 'make');
  }
  return parsed.data;
}

/** zod's generic wording, said the way a CLI user reads it; the schema's own messages pass through. */
function plainMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_big' && issue.origin === 'number') return `must be at most ${issue.maximum}`;
  if (issue.code === 'too_small' && issue.origin === 'number') return `must be at least ${issue.minimum}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  return issue.message;
}

async function readStory(file: string): Promise<string> {
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new CliError(`Cannot read the story file ${file}: ${reason}`, 'Check the path passed to --story-file.');
  }
}
