import {
  type HighlightsInput,
  type HighlightsProgress,
  type HighlightsResult,
  highlightsInputSchema,
} from '../../domain/highlights.js';
import { getHighlightsProgressQuery } from '../../workflows/definitions.js';
import { videoHighlights } from '../../workflows/videoHighlights.js';
import { defineRunKind } from '../kind.js';
import type { RunState } from '../status.js';

/**
 * Shorts cut from a long video (the `videoHighlights` workflow). Started only through
 * POST /v1/videos/:id/shorts (api/routes/videoShorts.ts), which checks the video is one the caller
 * owns with a finished transcript and resolves its files; a direct POST here would skip that.
 */
export const highlightsKind = defineRunKind({
  name: 'highlights',
  plural: 'highlights',
  workflow: videoHighlights,
  requestSchema: highlightsInputSchema,
  startedFrom: 'POST /v1/videos/:id/shorts',
  maxBodyBytes: () => 4 * 1024,
  toInput: (input: HighlightsInput) => input,
  // `highlights-3x30s-from-k3j9x2-p0q1r2`: how many, how long, and which video.
  idParts: (input: HighlightsInput) => [
    `${input.count}x${Math.round(input.lengthSec)}s`,
    'from',
    input.videoId.split('-').pop() ?? '',
  ],
  present: (input: HighlightsInput) => ({
    summary: `Shorts from ${input.videoId} · ${input.count} × ~${Math.round(input.lengthSec)} s`,
    details: [
      `**Video** ${input.videoId} (${Math.round(input.durationSec / 60)} min)`,
      `**Shorts** up to ${input.count}, about ${Math.round(input.lengthSec)} s each, ${input.width}×${input.height} at ${input.fps} fps`,
      `**Captions** ${input.captionStyle} · **language** ${input.language}`,
    ].join('\n'),
    provider: 'llm',
    language: input.language,
  }),
  progressQuery: getHighlightsProgressQuery,
  progressOfResult: (r: HighlightsResult): HighlightsProgress => ({
    stage: 'completed',
    shorts: r.shorts.map((s) => ({
      index: s.index,
      startSec: s.startSec,
      endSec: s.endSec,
      title: s.title,
      status: s.status,
      ...(s.error ? { error: s.error } : {}),
    })),
  }),
  describeProgress: (p) => {
    const done = p.shorts.filter((s) => s.status === 'succeeded' || s.status === 'failed').length;
    return p.shorts.length ? `${p.stage}, ${done}/${p.shorts.length} shorts done` : p.stage;
  },
  briefProgress: (p) => ({ stage: p.stage, shorts: p.shorts.length }),
  publicProgress: (p, scrub) => ({
    stage: p.stage,
    shorts: p.shorts.map((s) => ({ ...s, ...(s.error ? { error: scrub(s.error) } : {}) })),
  }),
  publicResult: (id, r, scrub) => ({
    video: r.videoId,
    picker: r.picker,
    ...(r.fallbackReason ? { fallbackReason: scrub(r.fallbackReason) } : {}),
    summary: r.summary,
    shorts: r.shorts.map((s) => ({
      index: s.index,
      startSec: s.startSec,
      endSec: s.endSec,
      title: s.title,
      reason: s.reason,
      hook: s.hook,
      text: s.text,
      status: s.status,
      ...(s.error ? { error: scrub(s.error) } : {}),
      ...(s.videoRef
        ? {
            video: `/v1/highlights/${encodeURIComponent(id)}/shorts/${s.index}/video`,
            durationSec: s.durationSec,
            width: s.width,
            height: s.height,
            fps: s.fps,
            sizeBytes: s.sizeBytes,
            integratedLufs: s.integratedLufs,
            ...(s.framing ? { framing: s.framing } : {}),
          }
        : {}),
    })),
  }),
  extraLinks: () => ({}),
  files: [
    {
      path: '/:id/shorts/:n{[0-9]{1,2}}/video',
      noun: 'video',
      ranges: true,
      paramsValid: () => true,
      find(result: HighlightsResult, params: Record<string, string>) {
        const short = result.shorts.find((s) => String(s.index) === params.n && s.videoRef);
        return short?.videoRef
          ? { ref: short.videoRef, filename: `short-${short.index}.mp4`, contentType: 'video/mp4' }
          : undefined;
      },
      notFoundMessage: (id: string, params: Record<string, string>) =>
        `"${id.slice(0, 100)}" has no finished short ${(params.n ?? '').slice(0, 4)}.`,
    },
  ],
});

export type HighlightsState = RunState<HighlightsProgress, HighlightsResult>;
