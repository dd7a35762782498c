/**
 * What a run's result and files look like to callers that ask too early or too late: the result of
 * a completed run or the 409 that says why there is none, and the 410 for a file gone from storage.
 */
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { RunNotCompletedError, StoredFileMissingError } from './errors.js';
import { type RunKind, type Scrub, capitalized } from './kind.js';
import { type RunState, describeEnd } from './status.js';

/** The result of a completed run, or the 409 that says why there is none (yet). */
export function completedResult<R>(kind: RunKind, state: RunState<unknown, R>, noun: string, scrub: Scrub): R {
  const name = `${capitalized(kind.name)} "${state.id}"`;
  switch (state.status) {
    case 'completed':
      if (state.result !== undefined) return state.result;
      throw new Error(`${name} completed without a result.`);
    case 'running': {
      const where = state.progress === undefined ? 'progress unknown' : kind.describeProgress(state.progress);
      throw new RunNotCompletedError(
        'not_ready',
        `${name} is still being made (${where}); its ${noun} can be fetched once its status is "completed".`,
        state.progress === undefined ? {} : { progress: kind.briefProgress(state.progress) },
      );
    }
    case 'cancelled':
      throw new RunNotCompletedError('cancelled', `${name} was cancelled before it finished, so it has no ${noun}.`);
    default: {
      const why = state.error ? ` (${state.error.type}: ${scrub(state.error.message)})` : '';
      throw new RunNotCompletedError(state.status, `${name} ${describeEnd(state.status)}${why}, so it has no ${noun}.`);
    }
  }
}

/** Turns a storage error for a listed file into the 410 that says the run's file is gone. */
export function storedFileMissing(kind: RunKind, id: string, noun: string): StoredFileMissingError {
  return new StoredFileMissingError(
    `${noun}_missing`,
    `${capitalized(kind.name)} "${id}" finished, but its ${noun} is no longer in storage.`,
  );
}

/** Temporal's answer when a start names a search attribute the namespace does not have yet. */
export function isUnknownSearchAttribute(err: unknown): boolean {
  return err instanceof Error && /search attribute .*(not defined|not found|unknown)/i.test(err.message);
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
