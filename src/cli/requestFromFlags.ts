import { type ParsedShortRequest, shortRequestSchema } from '../domain/shortRequest.js';
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
  planner?: string;
  structure?: string;
  'target-seconds'?: string;
  'voice-provider'?: string;
  'voice-model'?: string;
  speed?: string;
  karaoke?: boolean;
  music?: string;
  'music-url'?: string;
  'music-prompt'?: string;
  'music-volume'?: string;
  visuals?: string;
  'video-model'?: string;
  'clip-fit'?: string;
  strict?: boolean;
  render?: string;
  approve?: boolean;
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
  planner: '--planner',
  structure: '--structure',
  targetSeconds: '--target-seconds',
  'narration.provider': '--voice-provider',
  'narration.voice': '--voice',
  'narration.model': '--voice-model',
  'narration.speed': '--speed',
  'music.source': '--music',
  'music.url': '--music-url',
  'music.prompt': '--music-prompt',
  'music.volume': '--music-volume',
  visuals: '--visuals',
  videoModel: '--video-model',
  clipFit: '--clip-fit',
  strict: '--strict',
  render: '--render',
  approval: '--approve',
};

/** Builds and validates the request through the one schema the API uses too. */
export async function requestFromFlags(flags: MakeFlags): Promise<ParsedShortRequest> {
  if (flags.story !== undefined && flags['story-file'] !== undefined) {
    throw new UsageError('Give the story either with --story or with --story-file, not both', 'make');
  }
  if (flags.story === undefined && flags['story-file'] === undefined) {
    throw new UsageError('A story is required: --story "<text>" or --story-file <path>', 'make');
  }
  if (flags.approve && flags['story-file'] === '-') {
    throw new UsageError('--approve reads its answer from stdin, so the story cannot come from stdin too', 'make');
  }
  const story = flags.story ?? (await readStory(flags['story-file']!));
  const sceneCount = wholeNumber('--scenes', flags.scenes);
  const fps = wholeNumber('--fps', flags.fps);
  if (flags.karaoke && flags['no-captions'])
    throw new UsageError('--karaoke and --no-captions do not go together', 'make');
  const narration = defined({
    provider: flags['voice-provider'],
    voice: flags.voice,
    model: flags['voice-model'],
    speed: decimal('--speed', flags.speed),
  });
  const music = defined({
    source: flags.music ?? (flags['music-url'] ? 'url' : undefined),
    url: flags['music-url'],
    prompt: flags['music-prompt'],
    volume: decimal('--music-volume', flags['music-volume']),
  });
  const parsed = shortRequestSchema.safeParse({
    story,
    sceneCount,
    aspect: flags.aspect,
    language: flags.language,
    captions: flags['no-captions'] ? false : flags.karaoke ? { style: 'karaoke' } : undefined,
    style: flags.style,
    fps,
    transition: flags.transition === undefined ? undefined : { type: flags.transition },
    provider: flags.provider,
    model: flags.model,
    planner: flags.planner,
    structure: flags.structure,
    targetSeconds: wholeNumber('--target-seconds', flags['target-seconds']),
    ...(narration ? { narration } : {}),
    ...(music ? { music } : {}),
    visuals: visualsFrom(flags.visuals),
    videoModel: flags['video-model'],
    clipFit: flags['clip-fit'],
    strict: flags.strict,
    render: flags.render,
    approval: flags.approve ? true : undefined,
  });
  if (!parsed.success) {
    const label = (path: string) => FLAG_FOR[path] ?? FLAG_FOR[path.split('.')[0]!] ?? path;
    throw new UsageError(`Invalid request: ${describeIssues(parsed.error, { label, plain: true }).message}`, 'make');
  }
  return parsed.data;
}

/** `video` for every scene, or `video,image,image-to-video` scene by scene. */
function visualsFrom(raw: string | undefined): string | string[] | undefined {
  if (raw === undefined) return undefined;
  const modes = raw.split(',').map((m) => m.trim());
  return modes.length === 1 ? modes[0] : modes;
}

/** The object without its undefined fields, or undefined when nothing is left. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> | undefined {
  const kept = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
  return Object.keys(kept).length ? kept : undefined;
}

function decimal(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value))
    throw new UsageError(`${flag} must be a number, got "${raw}"`, 'make');
  return value;
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
