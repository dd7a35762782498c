import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Config } from '../config/index.js';
import type { ShortProgress } from '../domain/progress.js';
import type { ShortResult } from '../domain/result.js';
import type { ShortVideoInput } from '../domain/shortRequest.js';
import { webUiLink } from '../temporal/connect.js';
import { getProgressQuery } from '../workflows/definitions.js';
import { newShortId, requestFingerprint, shortIdForIdempotencyKey } from './shortIds.js';

/**
 * What the API and the CLI both do with shorts, in one place: start (idempotently), read status
 * with live progress, cancel. Neither front end talks to Temporal about shorts any other way.
 */
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

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

export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

/** A request that cannot work with this deployment's configuration (e.g. Replicate without keys). */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
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

export interface StartedShort {
  id: string;
  runId: string;
  /** False when an Idempotency-Key matched a run that already existed. */
  created: boolean;
  /** The run's status now: a retried POST may find it already finished. */
  status: RunStatus;
  webUiUrl: string;
}

export async function startShort(
  client: Client,
  config: Config,
  input: ShortVideoInput,
  options: { idempotencyKey?: string; taskQueue?: string } = {},
): Promise<StartedShort> {
  input = withProviderDefaults(input, config);
  const fingerprint = requestFingerprint(input);
  const workflowId = options.idempotencyKey ? shortIdForIdempotencyKey(options.idempotencyKey) : newShortId(input.story);
  try {
    const handle = await client.workflow.start('shortVideo', {
      taskQueue: options.taskQueue ?? config.taskQueue,
      workflowId,
      args: [input],
      memo: { requestFingerprint: fingerprint },
      staticSummary: summaryOf(input),
      staticDetails: detailsOf(input),
      workflowIdConflictPolicy: options.idempotencyKey ? 'USE_EXISTING' : 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return await confirmSameRequest(client, config, workflowId, handle.firstExecutionRunId, fingerprint);
  } catch (err) {
    // A closed run with the same Idempotency-Key: the retried POST gets that run, not a new one.
    if (options.idempotencyKey && err instanceof WorkflowExecutionAlreadyStartedError) {
      return confirmSameRequest(client, config, workflowId, undefined, fingerprint);
    }
    throw err;
  }
}

async function confirmSameRequest(
  client: Client,
  config: Config,
  workflowId: string,
  startedRunId: string | undefined,
  fingerprint: string,
): Promise<StartedShort> {
  const description = await client.workflow.getHandle(workflowId).describe();
  if (description.memo?.requestFingerprint !== fingerprint) {
    throw new IdempotencyConflictError(
      'This Idempotency-Key was already used for a different request; use a new key for a new short.',
    );
  }
  return {
    id: workflowId,
    runId: description.runId,
    created: startedRunId === description.runId && Date.now() - description.startTime.getTime() < 10_000,
    status: runStatusOf(description.status.name),
    webUiUrl: webUiLink(config, workflowId),
  };
}

export async function getShortStatus(client: Client, config: Config, id: string): Promise<ShortStatus> {
  const handle = client.workflow.getHandle(id);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ShortNotFoundError(`No short with id "${id}".`);
    throw err;
  }
  const status = runStatusOf(description.status.name);
  const base: ShortStatus = {
    id,
    runId: description.runId,
    status,
    startedAt: description.startTime.toISOString(),
    closedAt: description.closeTime?.toISOString(),
    webUiUrl: webUiLink(config, id),
  };
  base.progress = await queryProgress(client, id);
  if (base.progress && status === 'running') {
    const renderPercent = renderHeartbeatPercent(description.raw.pendingActivities ?? []);
    if (renderPercent !== undefined) base.progress = withRenderPercent(base.progress, renderPercent);
  }
  if (status === 'completed') base.result = (await handle.result()) as ShortResult;
  if (status === 'failed' || status === 'timed_out' || status === 'terminated') base.error = await failureOf(handle);
  return base;
}

export async function cancelShort(client: Client, config: Config, id: string): Promise<ShortStatus> {
  const current = await getShortStatus(client, config, id);
  if (current.status === 'running') await client.workflow.getHandle(id).cancel();
  return current;
}

/** A query needs a worker; when none answers within a few seconds, report no progress rather than hang. */
async function queryProgress(client: Client, id: string): Promise<ShortProgress | undefined> {
  try {
    return await client.withDeadline(Date.now() + 3000, () => client.workflow.getHandle(id).query(getProgressQuery));
  } catch {
    return undefined;
  }
}

function renderHeartbeatPercent(pending: { activityType?: { name?: string | null } | null; heartbeatDetails?: { payloads?: unknown[] | null } | null }[]): number | undefined {
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

async function failureOf(handle: ReturnType<Client['workflow']['getHandle']>): Promise<{ type: string; message: string }> {
  try {
    await handle.result();
    return { type: 'Unknown', message: 'The run ended without a result.' };
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      type Cause = { message?: string; type?: string; cause?: unknown } | undefined;
      let cause = err.cause as Cause;
      while (cause?.cause) cause = cause.cause as Cause;
      return { type: cause?.type ?? err.cause?.name ?? 'WorkflowFailed', message: cause?.message ?? err.message };
    }
    return { type: 'Unknown', message: err instanceof Error ? err.message : String(err) };
  }
}

function runStatusOf(name: string): RunStatus {
  const status = name.toLowerCase();
  return status === 'continued_as_new' || status === 'unspecified' ? 'running' : (status as RunStatus);
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
