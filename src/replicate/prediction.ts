import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Prediction } from 'replicate';
import type { KeyClient, ReplicatePool } from './client.js';
import { ReplicateErrorTypes, failureFromClientError, isTransientPredictionError, predictionFailure } from './errors.js';
import { predictionTarget } from './models.js';

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

/** Poll often at first (most image models finish in seconds), then back off to spare the API. */
export function pollDelayMs(elapsedMs: number): number {
  return Math.min(2000, Math.max(100, elapsedMs * 0.05));
}

/**
 * Runs one prediction durably inside an activity: create (with this worker's key) and checkpoint
 * at once, or resume the checkpointed one with the key that created it; then wait, heartbeating
 * every poll so cancellation arrives promptly, and cancel upstream when the activity is cancelled.
 */
export async function runDurablePrediction(own: KeyClient, pool: ReplicatePool, request: PredictionRequest): Promise<FinishedPrediction> {
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
    const previous = await call(previousOwner, 'checking a resumed prediction', (c) => c.predictions.get(checkpoint.predictionId));
    if (!needsFreshPrediction(previous)) {
      owner = previousOwner;
      prediction = previous;
      resumed = true;
      ctx.heartbeat(checkpointOf(previous, owner));
    }
  }

  let current: Prediction = prediction ?? (await create(own, request));
  if (!prediction) ctx.heartbeat(checkpointOf(current, own));

  const started = Date.now();
  const id = current.id;
  while (!isTerminal(current.status)) {
    try {
      await ctx.sleep(pollDelayMs(Date.now() - started));
    } catch (err) {
      if (err instanceof CancelledFailure) await cancelUpstream(owner, id);
      throw err;
    }
    current = await call(owner, 'checking a prediction', (c) => c.predictions.get(id));
    ctx.heartbeat(checkpointOf(current, owner));
  }

  if (current.status !== 'succeeded') throw predictionFailure(current, owner.key);
  return { prediction: current, owner, resumed, checkpoint: checkpointOf(current, owner) };
}

function create(own: KeyClient, request: PredictionRequest): Promise<Prediction> {
  const options = { ...predictionTarget(request.model), input: request.input } as Parameters<KeyClient['client']['predictions']['create']>[0];
  return call(own, 'creating a prediction', (c) => c.predictions.create(options));
}

/** A checkpointed prediction that failed transiently, was canceled, or lost its outputs is redone. */
function needsFreshPrediction(p: Prediction): boolean {
  if (p.status === 'failed') return isTransientPredictionError(p.error);
  if (p.status === 'canceled') return true;
  return p.status === 'succeeded' && p.data_removed === true;
}

function isTerminal(status: string): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled';
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

/** Best effort: the run is being cancelled either way, but a running prediction keeps costing money. */
async function cancelUpstream(owner: KeyClient, predictionId: string): Promise<void> {
  try {
    await owner.client.predictions.cancel(predictionId);
  } catch {
    // Reported by the cancellation itself; nothing more to do here.
  }
}
