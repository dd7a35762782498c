import {
  type Client,
  type QueryDefinition,
  type WorkflowExecutionDescription,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { Config } from '../config/index.js';
import { webUiLink } from '../temporal/connect.js';
import { idForIdempotencyKey, requestFingerprint } from './shortIds.js';

/**
 * The run machinery shorts and image batches share: idempotent starts (an Idempotency-Key maps to
 * one workflow ID; a retry is recognised by the request's fingerprint in the memo), run status,
 * progress queries that never hang on a missing worker, and the root cause of a failure.
 */
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

export interface StartedRun {
  id: string;
  runId: string;
  /** False when an Idempotency-Key matched a run that already existed. */
  created: boolean;
  /** The run's status now: a retried POST may find it already finished. */
  status: RunStatus;
  webUiUrl: string;
}

export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

/** A request that cannot work with this deployment's configuration (e.g. Replicate without keys). */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

export interface StartRunOptions {
  workflowType: string;
  /** `short`, `batch`: names the ID prefix and the thing in messages. */
  kind: string;
  newId: () => string;
  input: unknown;
  summary: string;
  details: string;
  taskQueue: string;
  idempotencyKey?: string;
}

export async function startIdempotentRun(
  client: Client,
  config: Config,
  options: StartRunOptions,
): Promise<StartedRun> {
  const fingerprint = requestFingerprint(options.input);
  const key = options.idempotencyKey;
  const workflowId = key ? idForIdempotencyKey(options.kind, key) : options.newId();
  try {
    const handle = await client.workflow.start(options.workflowType, {
      taskQueue: options.taskQueue,
      workflowId,
      args: [options.input],
      memo: { requestFingerprint: fingerprint },
      staticSummary: options.summary,
      staticDetails: options.details,
      workflowIdConflictPolicy: key ? 'USE_EXISTING' : 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return await confirmSameRequest(client, config, workflowId, handle.firstExecutionRunId, fingerprint, options.kind);
  } catch (err) {
    // A closed run with the same Idempotency-Key: the retried request gets that run, not a new one.
    if (key && err instanceof WorkflowExecutionAlreadyStartedError) {
      return confirmSameRequest(client, config, workflowId, undefined, fingerprint, options.kind);
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
  kind: string,
): Promise<StartedRun> {
  const description = await client.workflow.getHandle(workflowId).describe();
  if (description.memo?.requestFingerprint !== fingerprint) {
    throw new IdempotencyConflictError(
      `This Idempotency-Key was already used for a different request; use a new key for a new ${kind}.`,
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

/** Describes a run, or returns undefined when Temporal has no such workflow. */
export async function describeRun(client: Client, id: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(id).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The fields every status answer starts from. */
export function runBasics(config: Config, id: string, description: WorkflowExecutionDescription) {
  return {
    id,
    runId: description.runId,
    status: runStatusOf(description.status.name),
    startedAt: description.startTime.toISOString(),
    closedAt: description.closeTime?.toISOString(),
    webUiUrl: webUiLink(config, id),
  };
}

export function runStatusOf(name: string): RunStatus {
  const status = name.toLowerCase();
  return status === 'continued_as_new' || status === 'unspecified' ? 'running' : (status as RunStatus);
}

export function endedBadly(status: RunStatus): boolean {
  return status === 'failed' || status === 'timed_out' || status === 'terminated';
}

/** A query needs a worker; when none answers within a few seconds, report nothing rather than hang. */
export async function queryWithDeadline<T>(
  client: Client,
  id: string,
  query: QueryDefinition<T>,
): Promise<T | undefined> {
  try {
    return await client.withDeadline(Date.now() + 3000, () => client.workflow.getHandle(id).query(query));
  } catch {
    return undefined;
  }
}

/** The root cause of a failed run, as `{type, message}`: what a person needs to act on. */
export async function failureOf(client: Client, id: string): Promise<{ type: string; message: string }> {
  try {
    await client.workflow.getHandle(id).result();
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
