import type { Config } from '../../config/index.js';
import { type PlanView, type ShortProgress, overallPercent } from '../../domain/progress.js';
import type { ShortResult } from '../../domain/result.js';
import { type ParsedShortRequest, type ShortVideoInput, shortRequestSchema } from '../../domain/shortRequest.js';
import { detectLanguage } from '../../text/language.js';
import { getShortProgressQuery } from '../../workflows/definitions.js';
import { shortVideo } from '../../workflows/shortVideo.js';
import { ProviderUnavailableError } from '../errors.js';
import { slugOf } from '../ids.js';
import { type PendingActivity, type Scrub, type StartContext, defineRunKind } from '../kind.js';
import type { RunState } from '../status.js';

/** A short: story → scenes → images and narration → one MP4 (the `shortVideo` workflow). */
export const shortKind = defineRunKind({
  name: 'short',
  plural: 'shorts',
  workflow: shortVideo,
  requestSchema: shortRequestSchema,
  maxBodyBytes: (config: Config) => config.api.maxBodyBytes,
  toInput: withProviderDefaults,
  // `short-en-a-small-fox-woke-up-k3j9x2`; stories in other scripts get their language code only.
  idParts: (input: ShortVideoInput) => [input.language ?? detectLanguage(input.story), slugOf(input.story)],
  present: (input: ShortVideoInput) => ({
    summary: summaryOf(input),
    details: detailsOf(input),
    provider: input.provider ?? 'offline',
    language: input.language ?? detectLanguage(input.story),
  }),
  progressQuery: getShortProgressQuery,
  progressOfResult,
  withLiveActivities(progress, pending) {
    const percent = renderHeartbeatPercent(pending);
    if (percent === undefined) return progress;
    // Same weighting as the workflow's own percentage, now with the live render share.
    const rendering = progress.stage === 'rendering' ? Math.round(0.4 * percent) : 0;
    return { ...progress, renderPercent: percent, percent: Math.min(99, progress.percent + rendering) };
  },
  describeProgress: (p) => `${p.stage}, ${p.percent}% done`,
  briefProgress: (p) => ({ stage: p.stage, percent: p.percent }),
  publicProgress: (p, scrub) => ({
    stage: p.stage,
    percent: p.percent,
    sceneCount: p.sceneCount,
    renderPercent: p.renderPercent,
    scenes: p.scenes.map((s) => ({
      index: s.index,
      preview: s.preview,
      visual: s.visual,
      narration: s.narration,
      visualProvider: s.visualProvider,
      narrationProvider: s.narrationProvider,
      error: s.error && scrub(s.error),
      ...(s.visualMode ? { visualMode: s.visualMode, clip: s.clip } : {}),
      ...(s.fallback ? { fallback: scrub(s.fallback) } : {}),
    })),
    error: p.error && scrub(p.error),
    ...(p.plan ? { plan: publicPlan(p.plan, scrub) } : {}),
    ...(p.estimate ? { estimate: p.estimate } : {}),
    ...(p.approval ? { approval: p.approval } : {}),
    ...(p.budget ? { budget: p.budget } : {}),
  }),
  // Whitelisted field by field: storage keys and the worker's file paths stay inside.
  publicResult: (id, r, scrub) => ({
    video: `${selfLink(id)}/video`,
    durationSec: r.durationSec,
    width: r.width,
    height: r.height,
    fps: r.fps,
    sizeBytes: r.sizeBytes,
    language: r.language,
    offline: r.offline,
    providers: r.providers,
    scenes: r.scenes.map((s) => ({
      index: s.index,
      startSec: s.startSec,
      durationSec: s.durationSec,
      narrationStartSec: s.narrationStartSec,
      narrationDurationSec: s.narrationDurationSec,
      visualProvider: s.visualProvider,
      narrationProvider: s.narrationProvider,
      voice: s.voice,
      ...(s.wordsSource ? { captionTimings: s.wordsSource } : {}),
      ...(s.visualMode ? { visualMode: s.visualMode, shows: s.clipRef ? 'clip' : 'still' } : {}),
      ...(s.fallback ? { fallback: { ...s.fallback, reason: scrub(s.fallback.reason) } } : {}),
      ...(s.cost ? { cost: s.cost } : {}),
      ...(s.cached ? { cached: true } : {}),
    })),
    ...(r.cost ? { cost: r.cost } : {}),
    ...(r.revisionOf ? { revisionOf: r.revisionOf } : {}),
    ...(r.fallbacks ? { fallbacks: r.fallbacks.map((f) => ({ ...f, reason: scrub(f.reason) })) } : {}),
    ...(r.plan ? { plan: publicPlan(r.plan, scrub) } : {}),
    ...(r.soundtrack ? { soundtrack: r.soundtrack } : {}),
  }),
  extraLinks: (self) => ({ video: `${self}/video` }),
  files: [
    {
      path: '/:id/video',
      noun: 'video',
      ranges: true,
      find: (result: ShortResult, _params: Record<string, string>, id: string) => ({
        ref: result.videoRef,
        filename: `${id}.mp4`,
        contentType: 'video/mp4',
      }),
      notFoundMessage: (id: string) => `No short with id "${id.slice(0, 100)}".`,
    },
  ],
});

/** The whole plan: what each scene says, shows and how it moves; a fallback's reason scrubbed like any message. */
function publicPlan(plan: PlanView, scrub: Scrub): PlanView {
  return { ...plan, ...(plan.fallbackReason ? { fallbackReason: scrub(plan.fallbackReason) } : {}) };
}

function selfLink(id: string): string {
  return `/v1/shorts/${encodeURIComponent(id)}`;
}

/**
 * What a request leaves open, resolved with this deployment's configuration:
 * - images come from Replicate (REPLICATE_IMAGE_MODEL) when keys are configured;
 * - the LLM plans (falling back to the offline splitter) when one is configured;
 * - the voice is NARRATION_PROVIDER's.
 * Offline choices stay implicit, so older workers keep accepting the input.
 */
function withProviderDefaults(request: ParsedShortRequest, config: Config, context?: StartContext): ShortVideoInput {
  const hasKeys = config.replicate.keys.length > 0 || context?.userKey === true;
  const provider = request.provider ?? (hasKeys ? 'replicate' : undefined);
  if (provider === 'replicate' && !hasKeys) {
    throw new ProviderUnavailableError(
      'provider "replicate" needs Replicate keys: set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N) for the API and the workers, or use provider "offline".',
    );
  }
  const { llm, speech } = config.providers;
  if (request.planner === 'llm' && !llm) {
    throw new ProviderUnavailableError(
      'planner "llm" needs an LLM: set LLM_MODEL (and LLM_BASE_URL, LLM_API_KEY where the server needs them) for the API and the workers, or use planner "offline".',
    );
  }
  const voice =
    request.narration?.provider ?? (speech.defaultProvider === 'espeak' ? undefined : speech.defaultProvider);
  const voiceConfigured = {
    espeak: true,
    openai: !!speech.openai,
    elevenlabs: !!speech.elevenlabs,
    replicate: hasKeys,
  };
  if (voice && !voiceConfigured[voice]) {
    throw new ProviderUnavailableError(
      `narration provider "${voice}" is not configured: ${VOICE_CONFIG[voice]}, or use narration.provider "espeak".`,
    );
  }
  if (request.music?.source === 'replicate' && !hasKeys) {
    throw new ProviderUnavailableError(
      'music source "replicate" needs Replicate keys: set REPLICATE_API_TOKEN, or use source "generated".',
    );
  }
  const modes = new Set(typeof request.visuals === 'string' ? [request.visuals] : (request.visuals ?? []));
  const videoScenes = modes.has('video') || modes.has('image-to-video');
  if (videoScenes && !hasKeys) {
    throw new ProviderUnavailableError(
      'video scenes are made on Replicate: set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N) for the API and the workers, or use visuals "image".',
    );
  }
  const planner = request.planner ?? (llm ? 'auto' : undefined);
  return {
    ...request,
    ...(provider === 'replicate' ? { provider, model: request.model ?? config.replicate.defaultModel } : {}),
    ...(planner ? { planner } : {}),
    ...(voice
      ? {
          narration: {
            ...request.narration,
            provider: voice,
            ...(voice === 'replicate' ? { model: request.narration?.model ?? speech.replicateModel } : {}),
          },
        }
      : {}),
    ...(request.music?.source === 'replicate'
      ? { music: { ...request.music, model: request.music.model ?? config.providers.replicateMusicModel } }
      : {}),
    ...(request.approval === true ? { approval: { timeoutSeconds: config.api.approvalTimeoutSeconds } } : {}),
    ...(!request.budget && config.api.defaultBudgetUsd
      ? { budget: { maxUsd: config.api.defaultBudgetUsd, onExceed: 'pause' as const } }
      : {}),
    // A named videoModel serves every video scene; otherwise each mode has its own default.
    ...(videoScenes && !request.videoModel
      ? {
          ...(modes.has('video') ? { videoModel: config.providers.replicateVideoModel } : {}),
          ...(modes.has('image-to-video') ? { imageToVideoModel: config.providers.replicateImageToVideoModel } : {}),
        }
      : {}),
  };
}

const VOICE_CONFIG = {
  espeak: '',
  openai: 'set OPENAI_TTS_API_KEY (or OPENAI_TTS_BASE_URL for a keyless server)',
  elevenlabs: 'set ELEVENLABS_API_KEY',
  replicate: 'set REPLICATE_API_TOKEN',
} as const;

/** A completed short's progress: every scene done, from the result, without asking a worker. */
function progressOfResult(result: ShortResult): ShortProgress {
  const scenes = result.scenes.map((s) => ({
    index: s.index,
    preview: s.preview ?? '',
    visual: 'done' as const,
    narration: 'done' as const,
    visualProvider: s.visualProvider,
    narrationProvider: s.narrationProvider,
    ...(s.visualMode ? { visualMode: s.visualMode, clip: s.fallback ? ('failed' as const) : ('done' as const) } : {}),
    ...(s.fallback ? { fallback: s.fallback.reason } : {}),
  }));
  const progress = {
    stage: 'completed' as const,
    sceneCount: scenes.length,
    scenes,
    renderPercent: 100,
    ...(result.plan ? { plan: result.plan } : {}),
  };
  return { ...progress, percent: overallPercent(progress) };
}

function renderHeartbeatPercent(pending: PendingActivity[]): number | undefined {
  const details = pending.find((a) => a.activityType === 'renderShort')?.heartbeat as { percent?: unknown } | undefined;
  return typeof details?.percent === 'number' ? details.percent : undefined;
}

function summaryOf(input: ShortVideoInput): string {
  const story = input.story.replace(/\s+/g, ' ');
  const head = [...story].slice(0, 60).join('');
  return `Short · ${input.sceneCount} scenes · ${input.aspect} · “${head}${head.length < story.length ? '…' : ''}”`;
}

function detailsOf(input: ShortVideoInput): string {
  return [
    `**Story** (${[...input.story].length} chars, language ${input.language ?? 'auto'})`,
    `**Scenes** ${input.sceneCount} · **aspect** ${input.aspect} · **fps** ${input.fps}`,
    `**Transition** ${input.transition.type} ${input.transition.duration}s · **captions** ${input.captions ? 'on' : 'off'}`,
    `**Style** ${input.style}${input.voice ? ` · **voice** ${input.voice}` : ''}`,
    ...(input.provider === 'replicate' ? [`**Images** Replicate ${input.model}`] : []),
    ...(input.visuals && input.visuals !== 'image'
      ? [
          `**Visuals** ${typeof input.visuals === 'string' ? input.visuals : input.visuals.join(', ')} · ` +
            `**video model** ${[input.videoModel, input.imageToVideoModel].filter(Boolean).join(', ')} · ` +
            `**fit** ${input.clipFit ?? 'hold'}${input.strict ? ' · strict' : ''}`,
        ]
      : []),
  ].join('\n');
}

export type ShortState = RunState<ShortProgress, ShortResult>;
