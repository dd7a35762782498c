import type { Config } from '../../config/index.js';
import {
  DEFAULT_DESCRIBE_MODEL,
  DEFAULT_TRANSCRIBE_MODEL,
  type LongVideoInput,
  type LongVideoProgress,
  type LongVideoResult,
  type LongVideoTask,
  longVideoRequestSchema,
  type LongVideoRequest,
} from '../../domain/longVideo.js';
import { getLongVideoProgressQuery } from '../../workflows/definitions.js';
import { longVideo } from '../../workflows/longVideo.js';
import { ProviderUnavailableError } from '../errors.js';
import { type StartContext, defineRunKind } from '../kind.js';
import type { RunState } from '../status.js';

const FILES = { json: 'application/json', srt: 'application/x-subrip', vtt: 'text/vtt' } as const;

/**
 * A long video (the `longVideo` workflow): chunks on the key pool, one merged transcript. Its
 * input names the video by URL (fetched by the worker through the safe fetcher) or as an upload
 * the API stored (api/routes/videos.ts).
 */
export const videoKind = defineRunKind({
  name: 'video',
  plural: 'videos',
  workflow: longVideo,
  requestSchema: longVideoRequestSchema,
  maxBodyBytes: () => 16 * 1024,
  toInput: withModel,
  // `video-transcribe-20min-k3j9x2`
  idParts: (input: LongVideoInput) => [input.task, `${input.chunkMinutes}min`],
  present: (input: LongVideoInput) => ({
    summary: `Long video · ${input.task} · chunks of ${input.chunkMinutes} min`,
    details: [
      `**Task** ${input.task} · **model** ${input.custom?.model ?? input.model}`,
      input.describeModel ? `**Scenes described by** ${input.describeModel}` : '',
      `**Source** ${input.url ? sourceHost(input.url) : 'an upload'}`,
      input.language ? `**Language** ${input.language}` : '**Language** detected',
      input.strict ? '**Strict**: a failed chunk fails the video' : '',
    ]
      .filter(Boolean)
      .join('\n'),
    provider: 'replicate',
    ...(input.language ? { language: input.language } : {}),
  }),
  progressQuery: getLongVideoProgressQuery,
  progressOfResult: (r: LongVideoResult): LongVideoProgress => ({
    stage: 'completed',
    task: r.task,
    durationSec: r.durationSec,
    chunks: r.chunks,
  }),
  describeProgress: (p) => {
    const done = p.chunks.filter((c) => c.status === 'succeeded' || c.status === 'failed').length;
    return p.chunks.length ? `${p.stage}, ${done}/${p.chunks.length} chunks done` : p.stage;
  },
  briefProgress: (p) => ({ stage: p.stage, chunks: p.chunks.length }),
  publicProgress: (p, scrub) => ({
    stage: p.stage,
    task: p.task,
    ...(p.durationSec !== undefined ? { durationSec: p.durationSec } : {}),
    chunks: p.chunks.map((c) => ({ ...c, ...(c.error ? { error: scrub(c.error) } : {}) })),
  }),
  publicResult: (id, r, scrub) => ({
    task: r.task,
    durationSec: r.durationSec,
    language: r.language,
    words: r.words,
    summary: r.summary,
    chunks: r.chunks,
    files: publicFiles(id, r),
    ...(r.scenes
      ? {
          scenes: r.scenes.map((sc) => ({
            index: sc.index,
            startSec: sc.startSec,
            endSec: sc.endSec,
            still: `/v1/videos/${encodeURIComponent(id)}/stills/${stillName(sc.index)}`,
            ...(sc.description !== undefined ? { description: sc.description } : {}),
            ...(sc.descriptionError !== undefined ? { descriptionError: scrub(sc.descriptionError) } : {}),
          })),
        }
      : {}),
    ...(r.costUsd !== undefined ? { costUsd: r.costUsd } : {}),
  }),
  // Its files depend on the task; the result lists them once the run has made them.
  extraLinks: () => ({}),
  files: [
    {
      path: '/:id/:file{transcript\\.(?:json|srt|vtt)}',
      noun: 'transcript',
      ranges: false,
      paramsValid: (params: Record<string, string>) => Object.hasOwn(FILES, extOf(params)),
      find(result: LongVideoResult, params: Record<string, string>) {
        const ext = extOf(params) as keyof typeof FILES;
        const ref = result.files[ext];
        return ref && result.task === 'transcribe'
          ? { ref, filename: `transcript.${ext}`, contentType: FILES[ext] }
          : undefined;
      },
      notFoundMessage: (id: string, params: Record<string, string>) =>
        `Video "${id.slice(0, 100)}" has no ${(params.file ?? '').slice(0, 30)}; there are transcript.json, .srt and .vtt.`,
    },
    taskList('scenes', 'scenes.json', 'scene list', 'was not asked for its scenes'),
    {
      path: '/:id/stills/:name{[0-9]{3}\\.jpg}',
      noun: 'still',
      ranges: true,
      paramsValid: () => true,
      find(result: LongVideoResult, params: Record<string, string>) {
        const scene = result.scenes?.find((sc) => stillName(sc.index) === params.name);
        return scene ? { ref: scene.still, filename: params.name!, contentType: 'image/jpeg' } : undefined;
      },
      notFoundMessage: (id: string, params: Record<string, string>) =>
        `Video "${id.slice(0, 100)}" has no still ${(params.name ?? '').slice(0, 20)}.`,
    },
    taskList('custom', 'outputs.json', 'output list', 'did not run a custom model'),
    {
      path: '/:id/outputs/:name{[0-9]{3}-[0-9]{1,3}\\.[a-z0-9]{1,5}}',
      noun: 'output file',
      ranges: true,
      paramsValid: () => true,
      find(result: LongVideoResult, params: Record<string, string>) {
        const ref = result.outputFiles?.find((f) => outputName(f) === `outputs/${params.name}`);
        return ref ? { ref, filename: params.name!, contentType: contentTypeOf(params.name!) } : undefined;
      },
      notFoundMessage: (id: string, params: Record<string, string>) =>
        `Video "${id.slice(0, 100)}" has no output file ${(params.name ?? '').slice(0, 20)}.`,
    },
  ],
});

/** The JSON list a task makes (scenes.json, outputs.json), served only for runs of that task. */
function taskList(task: LongVideoTask, filename: string, noun: string, notAsked: string) {
  return {
    path: `/:id/:file{${filename.replace('.', '\\.')}}`,
    noun,
    ranges: false,
    paramsValid: () => true,
    find: (result: LongVideoResult) =>
      result.task === task ? { ref: result.files.json, filename, contentType: 'application/json' } : undefined,
    notFoundMessage: (id: string) => `Video "${id.slice(0, 100)}" ${notAsked}; it has no ${filename}.`,
  };
}

/** Where the API serves a result's files: scenes.json, outputs.json (and its files), or the transcript. */
function publicFiles(id: string, r: LongVideoResult): Record<string, string | string[]> {
  const base = `/v1/videos/${encodeURIComponent(id)}`;
  if (r.task === 'scenes') return { json: `${base}/scenes.json` };
  if (r.task === 'custom') {
    return {
      json: `${base}/outputs.json`,
      ...(r.outputFiles?.length ? { outputs: r.outputFiles.map((f) => `${base}/${outputName(f)}`) } : {}),
    };
  }
  return Object.fromEntries(Object.keys(FILES).map((ext) => [ext, `${base}/transcript.${ext}`]));
}

/** `outputs/000-0.mp3` for a stored output file of a custom task. */
const outputName = (ref: string) => ref.slice(ref.lastIndexOf('/outputs/') + 1);

const stillName = (index: number) => `${String(index).padStart(3, '0')}.jpg`;

const OUTPUT_TYPES: Record<string, string> = {
  json: 'application/json',
  txt: 'text/plain',
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};
const contentTypeOf = (name: string) => OUTPUT_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';

const extOf = (params: Record<string, string>) => (params.file ?? '').split('.').pop() ?? '';

function withModel(request: LongVideoRequest, config: Config, context?: StartContext): LongVideoInput {
  if (config.replicate.keys.length === 0 && !context?.userKey) {
    throw new ProviderUnavailableError(
      'Long videos are transcribed on Replicate and need keys: set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N) for the API and the workers.',
    );
  }
  return {
    ...request,
    model: request.model ?? DEFAULT_TRANSCRIBE_MODEL,
    ...(request.describe ? { describeModel: request.describeModel ?? DEFAULT_DESCRIBE_MODEL } : {}),
  };
}

/** Only the host: a URL's path and query may carry a signature that must stay out of the Web UI. */
function sourceHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'a URL';
  }
}

export type VideoState = RunState<LongVideoProgress, LongVideoResult>;
