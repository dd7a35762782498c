import type { Config } from '../../config/index.js';
import {
  DEFAULT_TRANSCRIBE_MODEL,
  type LongVideoInput,
  type LongVideoProgress,
  type LongVideoResult,
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
      `**Task** ${input.task} · **model** ${input.model}`,
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
  publicResult: (id, r) => ({
    task: r.task,
    durationSec: r.durationSec,
    language: r.language,
    words: r.words,
    summary: r.summary,
    chunks: r.chunks,
    files: Object.fromEntries(
      Object.keys(FILES).map((ext) => [ext, `/v1/videos/${encodeURIComponent(id)}/transcript.${ext}`]),
    ),
    ...(r.costUsd !== undefined ? { costUsd: r.costUsd } : {}),
  }),
  extraLinks: (self) => ({
    srt: `${self}/transcript.srt`,
    vtt: `${self}/transcript.vtt`,
    json: `${self}/transcript.json`,
  }),
  files: [
    {
      path: '/:id/:file{transcript\\.(?:json|srt|vtt)}',
      noun: 'transcript',
      ranges: false,
      paramsValid: (params: Record<string, string>) => Object.hasOwn(FILES, extOf(params)),
      find(result: LongVideoResult, params: Record<string, string>) {
        const ext = extOf(params) as keyof typeof FILES;
        return { ref: result.files[ext], filename: `transcript.${ext}`, contentType: FILES[ext] };
      },
      notFoundMessage: (id: string, params: Record<string, string>) =>
        `Video "${id.slice(0, 100)}" has no ${(params.file ?? '').slice(0, 30)}; there are transcript.json, .srt and .vtt.`,
    },
  ],
});

const extOf = (params: Record<string, string>) => (params.file ?? '').split('.').pop() ?? '';

function withModel(request: LongVideoRequest, config: Config, context?: StartContext): LongVideoInput {
  if (config.replicate.keys.length === 0 && !context?.userKey) {
    throw new ProviderUnavailableError(
      'Long videos are transcribed on Replicate and need keys: set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N) for the API and the workers.',
    );
  }
  return { ...request, model: request.model ?? DEFAULT_TRANSCRIBE_MODEL };
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
