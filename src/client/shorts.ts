import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Config } from '../config/index.js';
import type { ShortProgress } from '../domain/progress.js';
import type { ShortResult } from '../domain/result.js';
import type { ShortVideoInput } from '../domain/shortRequest.js';
import { getProgressQuery } from '../workflows/definitions.js';
import {
  ProviderUnavailableError,
  type RunStatus,
  type StartedRun,
  describeRun,
  endedBadly,
  failureOf,
  queryWithDeadline,
  runBasics,
  startIdempotentRun,
} from './runs.js';
import { newShortId } from './shortIds.js';

export { IdempotencyConflictError, ProviderUnavailableError, type RunStatus } from './runs.js';

/**
 * What the API and the CLI both do with shorts, in one place: start (idempotently), read status
 * with live progress, cancel. Neither front end talks to Temporal about shorts any other way.
 */
export interface ShortStatus {
  id: string;
  runId: string;
  status: RunStatus;
  progress?: ShortProgress;
  result?: ShortResult;
  error?: { type: string; message: string };
  startedAt?: string;
  closedAt?: string;
  webUiUrl: string;
}

export class ShortNotFoundError extends Error {
  override name = 'ShortNotFoundError';
}

/**
 * With Replicate keys configured, scenes come from Replicate (REPLICATE_IMAGE_MODEL) unless the
 * request says otherwise. Offline stays implicit, so older workers keep accepting the input.
 */
function withProviderDefaults(input: ShortVideoInput, config: Config): ShortVideoInput {
  const hasKeys = config.replicate.keys.length > 0;
  const provider = input.provider ?? (hasKeys ? 'replicate' : undefined);
  if (provider === 'replicate' && !hasKeys) {
    throw new ProviderUnavailableError(
      'provider "replicate" needs Replicate keys: set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N) for the API and the workers, or use provider "offline".',
    );
  }
  if (provider !== 'replicate') return input;
  return { ...input, provider, model: input.model ?? config.replicate.defaultModel };
}

export type StartedShort = StartedRun;

export async function startShort(
  client: Client,
  config: Config,
  input: ShortVideoInput,
  options: { idempotencyKey?: string; taskQueue?: string } = {},
): Promise<StartedShort> {
  const resolved = withProviderDefaults(input, config);
  return startIdempotentRun(client, config, {
    workflowType: 'shortVideo',
    kind: 'short',
    newId: () => newShortId(resolved.story),
    input: resolved,
    summary: summaryOf(resolved),
    details: detailsOf(resolved),
    taskQueue: options.taskQueue ?? config.taskQueue,
    idempotencyKey: options.idempotencyKey,
  });
}

export async function getShortStatus(client: Client, config: Config, id: string): Promise<ShortStatus> {
  const description = await describeRun(client, id);
  if (!description) throw new ShortNotFoundError(`No short with id "${id}".`);
  const base: ShortStatus = runBasics(config, id, description);
  base.progress = await queryWithDeadline(client, id, getProgressQuery);
  if (base.progress && base.status === 'running') {
    const renderPercent = renderHeartbeatPercent(description.raw.pendingActivities ?? []);
    if (renderPercent !== undefined) base.progress = withRenderPercent(base.progress, renderPercent);
  }
  if (base.status === 'completed') base.result = (await client.workflow.getHandle(id).result()) as ShortResult;
  if (endedBadly(base.status)) base.error = await failureOf(client, id);
  return base;
}

export async function cancelShort(client: Client, config: Config, id: string): Promise<ShortStatus> {
  const current = await getShortStatus(client, config, id);
  if (current.status === 'running') await client.workflow.getHandle(id).cancel();
  return current;
}

function renderHeartbeatPercent(
  pending: {
    activityType?: { name?: string | null } | null;
    heartbeatDetails?: { payloads?: unknown[] | null } | null;
  }[],
): number | undefined {
  const render = pending.find((a) => a.activityType?.name === 'renderShort');
  const payload = render?.heartbeatDetails?.payloads?.[0];
  if (!payload) return undefined;
  const details = defaultPayloadConverter.fromPayload<{ percent?: number }>(payload as never);
  return typeof details?.percent === 'number' ? details.percent : undefined;
}

function withRenderPercent(progress: ShortProgress, renderPercent: number): ShortProgress {
  const weightless = { ...progress, renderPercent };
  // Same weighting as the workflow's own percentage, now with the live render share.
  const rendering = progress.stage === 'rendering' ? Math.round(0.4 * renderPercent) : 0;
  return { ...weightless, percent: Math.min(99, progress.percent + rendering) };
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
  ].join('\n');
}
