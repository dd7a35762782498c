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
  fps?: string;
  transition?: string;
  provider?: string;
  model?: string;
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
  fps: '--fps',
  transition: '--transition',
  provider: '--provider',
  model: '--model',
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
  const sceneCount = wholeNumber('--scenes', flags.scenes);
  const fps = wholeNumber('--fps', flags.fps);
  const parsed = shortRequestSchema.safeParse({
    story,
    sceneCount,
    aspect: flags.aspect,
    language: flags.language,
    captions: flags['no-captions'] ? false : undefined,
    voice: flags.voice,
    style: flags.style,
    fps,
    transition: flags.transition === undefined ? undefined : { type: flags.transition },
    provider: flags.provider,
    model: flags.model,
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

function wholeNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value))
    throw new UsageError(`${flag} must be a whole number, got "${raw}"`, 'make');
  return value;
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
