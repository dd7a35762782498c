import { type ShortVideoInput, shortRequestSchema } from '../domain/shortRequest.js';
import { describeIssues } from '../util/describeIssues.js';
import { UsageError } from './errors.js';
import { readInput } from './readInput.js';

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
    const label = (path: string) => FLAG_FOR[path.split('.')[0]!] ?? path;
    throw new UsageError(`Invalid request: ${describeIssues(parsed.error, { label, plain: true }).message}`, 'make');
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

function readStory(file: string): Promise<string> {
  return readInput(file, 'story file', '--story-file');
}
