import { Context } from '@temporalio/activity';
import { type ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Prediction } from 'replicate';
import type { KeyClient, ReplicatePool } from './client.js';
import {
  ReplicateErrorTypes,
  failureFromClientError,
  isTransientPredictionError,
  predictionFailure,
} from './errors.js';
import { predictionTarget } from './models.js';
import { type PredictionWaiters, isTerminalStatus } from './webhookWaiters.js';

/**
 * What an attempt leaves behind in its heartbeat, so the next attempt resumes instead of paying for
 * a second prediction. Holds the key's index and fingerprint, never the token.
 */
export interface PredictionCheckpoint {
  predictionId: string;
  keyIndex: number;
  keyFingerprint: string;
  status?: string;
}

export interface PredictionRequest {
  model: string;
  input: Record<string, unknown>;
}

export interface FinishedPrediction {
  prediction: Prediction;
  /** The key that created (and was billed for) the prediction. */
  owner: KeyClient;
  resumed: boolean;
  /** The last checkpoint heartbeated; keep heartbeating it while handling the output. */
  checkpoint: PredictionCheckpoint;
}

/** This process's webhook receiver, as a prediction sees it (see webhooks.ts). */
export interface PredictionWebhooks {
  urlFor(keyIndex: number): string;
  waiters: PredictionWaiters;
}

/**
 * Poll often at first (most image models finish in seconds), then back off to spare the API. The
 * floor keeps a key under Replicate's 3000 GETs per minute (50/s) with all its slots polling:
 * `concurrency` polls every 25 × concurrency ms make 40/s.
 */
export function pollDelayMs(elapsedMs: number, concurrency: number): number {
  return Math.min(2000, Math.max(100, 25 * concurrency, elapsedMs * 0.05));
}

/** With webhooks, polling is only the safety net for a lost webhook: slow, and gentle on the API. */
export function fallbackPollDelayMs(elapsedMs: number): number {
  return Math.min(5000, Math.max(1000, elapsedMs * 0.1));
}

/** Cancellation reaches an activity only through heartbeats, so a wait never goes longer without one. */
const HEARTBEAT_EVERY_MS = 1000;

/**
 * Whether a cancelled attempt should cancel its prediction upstream, from why Temporal cancelled it.
 *
 * Stop spending only when nothing will ever pick the checkpoint up again:
 * - `cancelRequested`: the run itself asked to stop (a cancelled workflow, a cancelled scope).
 * - `reset`: the workflow was reset; the new run schedules its activities afresh, without our checkpoint.
 * - `notFound`: the server no longer knows the activity (the workflow was terminated or has closed).
 *
 * Anything else leaves the prediction running: `paused` (unpausing starts the next attempt),
 * `timedOut` (the retry policy starts the next one) and `workerShutdown` (a deploy, a restart) all
 * lead to an attempt that resumes the prediction from the checkpoint in its heartbeat details, so
 * cancelling would make that attempt pay for a second prediction. Details we cannot read (none at
 * all) leave it running too: an unneeded prediction costs at most the rest of its run (a timeout on
 * the last attempt is such a case), a cancelled resumable one costs a whole new prediction.
 */
export function shouldStopSpending(details: ActivityCancellationDetails | undefined): boolean {
  return details !== undefined && (details.cancelRequested || details.reset || details.notFound);
}

/**
 * Runs one prediction durably inside an activity: create (with this worker's key) and checkpoint
 * at once, or resume the checkpointed one with the key that created it; then wait, heartbeating
 * every poll so cancellation arrives promptly, and cancel upstream when the cancellation means no
 * attempt will resume it (see shouldStopSpending).
 * With `webhooks`, the prediction is created with this process's webhook URL and the wait ends when
 * its webhook arrives, polling slowly meanwhile in case it never does.
 */
export async function runDurablePrediction(
  own: KeyClient,
  pool: ReplicatePool,
  request: PredictionRequest,
  webhooks?: PredictionWebhooks,
): Promise<FinishedPrediction> {
  const ctx = Context.current();
  let resumed = false;
  let owner = own;
  let prediction: Prediction | undefined;

  const checkpoint = ctx.info.heartbeatDetails as PredictionCheckpoint | undefined;
  if (checkpoint?.predictionId) {
    const previousOwner = pool.get(checkpoint.keyIndex);
    if (!previousOwner || previousOwner.key.fingerprint !== checkpoint.keyFingerprint) {
      // Another process (with that key configured) can pick this attempt up.
      throw ApplicationFailure.create({
        type: ReplicateErrorTypes.KeyUnavailable,
        message: `Prediction ${checkpoint.predictionId} belongs to key #${checkpoint.keyIndex}, which this worker does not have configured.`,
        nextRetryDelay: '5 seconds',
      });
    }
    const previous = await call(previousOwner, 'checking a resumed prediction', (c) =>
      c.predictions.get(checkpoint.predictionId),
    );
    if (!needsFreshPrediction(previous)) {
      owner = previousOwner;
      prediction = previous;
      resumed = true;
      ctx.heartbeat(checkpointOf(previous, owner));
    }
  }

  // Nothing to wait for when the resumed prediction already ended: its output is copied without a slot.
  const needsSlot = !prediction || !isTerminalStatus(prediction.status);
  const slotOwner = prediction ? owner : own;
  const release = needsSlot
    ? await slotOwner.slots.acquire(
        ctx.cancellationSignal,
        () => ctx.heartbeat(prediction ? checkpointOf(prediction, owner) : undefined),
        1000,
        ctx.info.workflowExecution?.workflowId,
      )
    : () => undefined;
  try {
    return await watch(prediction ?? (await createAndCheckpoint()));
  } finally {
    release(ctx.cancellationSignal.aborted);
  }

  async function createAndCheckpoint(): Promise<Prediction> {
    const created = await create(own, request, webhooks?.urlFor(own.key.index));
    ctx.heartbeat(checkpointOf(created, own));
    return created;
  }

  async function watch(first: Prediction): Promise<FinishedPrediction> {
    let current = first;

    const started = Date.now();
    const id = current.id;
    // Resumed predictions register too: their webhook may still come here; if not, the poll finds them.
    const registration = webhooks?.waiters.register(id, owner.key.index);
    let push = registration?.arrived;
    try {
      while (!isTerminalStatus(current.status)) {
        const elapsed = Date.now() - started;
        let pushed: Prediction | undefined;
        try {
          if (registration) {
            pushed = await waitForPush(push, fallbackPollDelayMs(elapsed), () =>
              ctx.heartbeat(checkpointOf(current, owner)),
            );
          } else {
            await ctx.sleep(pollDelayMs(elapsed, owner.key.concurrency));
          }
        } catch (err) {
          if (err instanceof CancelledFailure && shouldStopSpending(ctx.cancellationDetails)) {
            await cancelUpstream(owner, id);
          }
          throw err;
        }
        if (pushed) push = undefined; // used once: a GET that still says "running" must not spin on it
        current =
          pushed && !lacksOutput(pushed)
            ? pushed
            : await call(owner, 'checking a prediction', (c) => c.predictions.get(id));
        ctx.heartbeat(checkpointOf(current, owner));
      }
    } finally {
      registration?.dispose();
    }

    if (current.status !== 'succeeded') throw predictionFailure(current, owner.key);
    return { prediction: current, owner, resumed, checkpoint: checkpointOf(current, owner) };
  }
}

/**
 * Waits up to `ms` for the pushed prediction, heartbeating at least every second; undefined when
 * the time is up. Rejects with CancelledFailure as soon as the activity is cancelled.
 */
async function waitForPush(
  push: Promise<Prediction> | undefined,
  ms: number,
  beat: () => void,
): Promise<Prediction | undefined> {
  const ctx = Context.current();
  const deadline = Date.now() + ms;
  for (;;) {
    const chunk = Math.min(HEARTBEAT_EVERY_MS, deadline - Date.now());
    if (chunk <= 0) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), chunk)));
    try {
      const pushed = await Promise.race([ctx.cancelled, tick, ...(push ? [push] : [])]);
      if (pushed) return pushed;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() < deadline) beat();
  }
}

/** A webhook body normally carries the output; if a succeeded one does not, one GET fetches it. */
function lacksOutput(p: Prediction): boolean {
  return p.status === 'succeeded' && (p.output === null || p.output === undefined);
}

function create(own: KeyClient, request: PredictionRequest, webhook: string | undefined): Promise<Prediction> {
  const options = {
    ...predictionTarget(request.model),
    input: request.input,
    // 'completed' only: the start/logs/output events would be HTTP traffic nobody waits for.
    ...(webhook ? { webhook, webhook_events_filter: ['completed'] } : {}),
  } as Parameters<KeyClient['client']['predictions']['create']>[0];
  return call(own, 'creating a prediction', (c) => c.predictions.create(options));
}

/** A checkpointed prediction that failed transiently, was canceled, or lost its outputs is redone. */
function needsFreshPrediction(p: Prediction): boolean {
  if (p.status === 'failed') return isTransientPredictionError(p.error);
  if (p.status === 'canceled') return true;
  return p.status === 'succeeded' && p.data_removed === true;
}

function checkpointOf(p: Prediction, owner: KeyClient): PredictionCheckpoint {
  return { predictionId: p.id, keyIndex: owner.key.index, keyFingerprint: owner.key.fingerprint, status: p.status };
}

async function call<T>(owner: KeyClient, doing: string, fn: (client: KeyClient['client']) => Promise<T>): Promise<T> {
  try {
    return await fn(owner.client);
  } catch (err) {
    throw failureFromClientError(err, owner.key, doing);
  }
}

/** Best effort: the attempt ends either way, but a running prediction keeps costing money. */
async function cancelUpstream(owner: KeyClient, predictionId: string): Promise<void> {
  try {
    await owner.client.predictions.cancel(predictionId);
  } catch {
    // Reported by the cancellation itself; nothing more to do here.
  }
}
