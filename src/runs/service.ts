import {
  type Client,
  type WorkflowExecutionDescription,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { BudgetState } from '../domain/budget.js';
import { raiseBudgetUpdate } from '../workflows/definitions.js';
import type { Config } from '../config/index.js';
import { webUiLink } from '../temporal/connect.js';
import { decodePayload } from '../temporal/dataConverter.js';
import { ensureSearchAttributes } from '../temporal/ensureSearchAttributes.js';
import {
  LanguageAttribute,
  ProviderAttribute,
  RunKindAttribute,
  StageAttribute,
} from '../temporal/searchAttributes.js';
import { IdempotencyConflictError, RunAlreadyFinishedError, RunNotFoundError } from './errors.js';
import { idForIdempotencyKey, isIdOfKind, newRunId, requestFingerprint } from './ids.js';
import {
  type FileRoute,
  type PendingActivity,
  type RunKind,
  type Scrub,
  type StoredFile,
  capitalized,
} from './kind.js';
import { completedResult, failureOf, isUnknownSearchAttribute } from './results.js';
import type { StartOptions, StartedRun } from './startOptions.js';
import { type RunState, endedBadly, runStatusOf } from './status.js';

export { completedResult, storedFileMissing } from './results.js';

export type { StartOptions, StartedRun } from './startOptions.js';

/**
 * `live` asks a worker for progress while the run works or after it ended badly (the only place
 * per-scene errors live); `if-running` only while it works. A completed run's progress always comes
 * from its result, since a query on a closed run costs a worker a replay (or a stall without one).
 */
export type ProgressMode = 'live' | 'if-running';

/** How long a progress query may wait for a worker before the answer goes without progress. */
const QUERY_DEADLINE_MS = 3000;

/**
 * What the API and the CLI do with runs of any kind, in one place: start (idempotently), read the
 * state with progress and result, cancel, and find a completed run's stored files. Neither front
 * end talks to Temporal about runs any other way.
 */
export class RunService {
  constructor(
    private readonly client: Client,
    private readonly config: Config,
    /** Set: only runs started with this owner exist (a user's token sees only its own work). */
    private readonly viewer?: string,
  ) {}

  /** This service as one owner sees it (`undefined`: everyone's); another owner's run is a 404. */
  for(owner: string | undefined): RunService {
    return owner === this.viewer ? this : new RunService(this.client, this.config, owner);
  }

  /**
   * Starts a run. An Idempotency-Key maps to one workflow ID, and a retry is recognised by the
   * request's fingerprint in the memo: the same request gets the same run, another one a 422.
   */
  async start<Req, In, P, R>(
    kind: RunKind<Req, In, P, R>,
    request: Req,
    options: StartOptions = {},
  ): Promise<StartedRun> {
    return this.startInput(
      kind,
      kind.toInput(request, this.config, { userKey: options.replicateToken !== undefined }),
      options,
    );
  }

  /** Starts a run from a workflow input already resolved (a revision of an earlier run's input). */
  async startInput<Req, In, P, R>(
    kind: RunKind<Req, In, P, R>,
    given: In,
    options: StartOptions = {},
  ): Promise<StartedRun> {
    const input = options.replicateToken ? ({ ...given, replicateToken: options.replicateToken } as In) : given;
    const fingerprint = requestFingerprint(input);
    const owner = options.owner ?? this.viewer;
    // Two owners' equal Idempotency-Keys are two different requests, so two different runs.
    const key = options.idempotencyKey && owner ? `${owner}:${options.idempotencyKey}` : options.idempotencyKey;
    const parts = options.idParts ?? kind.idParts(input);
    const workflowId = key ? idForIdempotencyKey(kind.name, key) : newRunId(kind.name, ...parts);
    const presented = kind.present(input);
    const start = () =>
      this.client.workflow.start(kind.workflow, {
        taskQueue: options.taskQueue ?? this.config.taskQueue,
        workflowId,
        args: [input],
        memo: { requestFingerprint: fingerprint, ...(owner ? { owner } : {}) },
        staticSummary: presented.summary,
        staticDetails: presented.details,
        typedSearchAttributes: [
          { key: RunKindAttribute, value: kind.name },
          { key: ProviderAttribute, value: presented.provider },
          { key: StageAttribute, value: 'queued' },
          ...(presented.language ? [{ key: LanguageAttribute, value: presented.language }] : []),
        ],
        workflowIdConflictPolicy: key ? 'USE_EXISTING' : 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    try {
      const handle = await start().catch(async (err: unknown) => {
        // A namespace nobody prepared (a fresh server, a new namespace): register them and try once more.
        if (!isUnknownSearchAttribute(err)) throw err;
        await ensureSearchAttributes(this.client, this.config.temporal.namespace);
        return start();
      });
      return await this.confirmSameRequest(kind.name, workflowId, handle.firstExecutionRunId, fingerprint);
    } catch (err) {
      // A closed run with the same Idempotency-Key: the retried request gets that run, not a new one.
      if (key && err instanceof WorkflowExecutionAlreadyStartedError) {
        return this.confirmSameRequest(kind.name, workflowId, undefined, fingerprint);
      }
      throw err;
    }
  }

  /** The run's state, its progress (see ProgressMode), its result once completed, its error once failed. */
  async get<P, R>(
    kind: RunKind<unknown, unknown, P, R>,
    id: string,
    mode: ProgressMode = 'live',
  ): Promise<RunState<P, R>> {
    const description = await this.describe(kind, id);
    const state: RunState<P, R> = {
      id,
      kind: kind.name,
      runId: description.runId,
      status: runStatusOf(description.status.name),
      startedAt: description.startTime.toISOString(),
      closedAt: description.closeTime?.toISOString(),
      webUiUrl: webUiLink(this.config, id),
    };
    const handle = this.client.workflow.getHandle(id);
    if (state.status === 'running' || (mode === 'live' && state.status !== 'completed')) {
      state.progress = await this.queryProgress(kind, id);
      if (state.progress && state.status === 'running' && kind.withLiveActivities) {
        state.progress = kind.withLiveActivities(state.progress, await this.pendingActivities(description));
      }
    }
    if (state.status === 'completed') {
      state.result = (await handle.result()) as R;
      state.progress = kind.progressOfResult(state.result);
    }
    if (endedBadly(state.status)) state.error = await failureOf(this.client, id);
    return state;
  }

  /** The input a run was started with, from its history's first event. */
  async inputOf(kind: RunKind, id: string): Promise<unknown> {
    await this.describe(kind, id);
    const history = await this.client.workflow.getHandle(id).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload)
      throw new RunNotFoundError(kind.name, id, `${capitalized(kind.name)} "${id}" has no input in its history.`);
    // History comes back as stored: encrypted payloads go through the client's codec first.
    return decodePayload(this.client.options.loadedDataConverter, payload);
  }

  /** What `describe()` says is running, each activity's last heartbeat decoded as the worker sent it. */
  private async pendingActivities(description: WorkflowExecutionDescription): Promise<PendingActivity[]> {
    const converter = this.client.options.loadedDataConverter;
    return Promise.all(
      (description.raw.pendingActivities ?? []).map(async (a) => {
        const payload = a.heartbeatDetails?.payloads?.[0];
        // A heartbeat this process cannot read (a key it lacks) costs the live extras, not the status.
        return {
          activityType: a.activityType?.name ?? '',
          ...(payload ? { heartbeat: await decodePayload(converter, payload).catch(() => undefined) } : {}),
        };
      }),
    );
  }

  /** Raises a run's budget cap (its raiseBudget update); returns the ledger after. */
  async raiseBudget(kind: RunKind, id: string, maxUsd: number): Promise<BudgetState> {
    await this.describe(kind, id);
    return this.client.workflow.getHandle(id).executeUpdate(raiseBudgetUpdate, { args: [{ maxUsd }] });
  }

  /** Asks Temporal to cancel a running run; returns its state before. Cancelling an ended run is a 409. */
  async cancel(kind: RunKind, id: string): Promise<RunState<unknown, unknown>> {
    const before = await this.get(kind, id, 'if-running');
    if (before.status !== 'running') {
      throw new RunAlreadyFinishedError(
        before.status,
        `${capitalized(kind.name)} "${id}" already finished (${before.status}); there is nothing to cancel.`,
      );
    }
    await this.client.workflow.getHandle(id).cancel();
    return before;
  }

  /** A completed run's result, or the error that says why there is none (yet). */
  async completed<R>(
    kind: RunKind<unknown, unknown, unknown, R>,
    id: string,
    noun: string,
    scrub: Scrub,
  ): Promise<{ state: RunState<unknown, R>; result: R }> {
    const state = await this.get(kind, id, 'if-running');
    return { state, result: completedResult(kind, state, noun, scrub) };
  }

  /** A stored file of a completed run, found only among the files the run itself lists. */
  async file<R>(
    kind: RunKind<unknown, unknown, unknown, R>,
    route: FileRoute<R>,
    id: string,
    params: Record<string, string>,
    scrub: Scrub,
  ): Promise<{ state: RunState<unknown, R>; file: StoredFile }> {
    if (!isIdOfKind(kind.name, id) || (route.paramsValid && !route.paramsValid(params))) {
      throw new RunNotFoundError(kind.name, id, route.notFoundMessage(id, params));
    }
    const { state, result } = await this.completed(kind, id, route.noun, scrub);
    const file = route.find(result, params, id);
    if (!file) throw new RunNotFoundError(kind.name, id, route.notFoundMessage(id, params));
    return { state, file };
  }

  private async describe(kind: RunKind, id: string): Promise<WorkflowExecutionDescription> {
    // Checked before asking Temporal: other workflows in the namespace are never read through here.
    if (!isIdOfKind(kind.name, id)) throw new RunNotFoundError(kind.name, id);
    let description: WorkflowExecutionDescription;
    try {
      description = await this.client.workflow.getHandle(id).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(kind.name, id);
      throw err;
    }
    if (description.type !== kind.workflow.name) throw new RunNotFoundError(kind.name, id);
    if (this.viewer !== undefined && description.memo?.owner !== this.viewer) throw new RunNotFoundError(kind.name, id);
    return description;
  }

  /** A query needs a worker; when none answers within a few seconds, report nothing rather than hang. */
  private async queryProgress<P>(kind: RunKind<unknown, unknown, P>, id: string): Promise<P | undefined> {
    try {
      return await this.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        this.client.workflow.getHandle(id).query(kind.progressQuery),
      );
    } catch {
      return undefined;
    }
  }

  private async confirmSameRequest(
    kindName: string,
    workflowId: string,
    startedRunId: string | undefined,
    fingerprint: string,
  ): Promise<StartedRun> {
    const description = await this.client.workflow.getHandle(workflowId).describe();
    if (description.memo?.requestFingerprint !== fingerprint) {
      throw new IdempotencyConflictError(
        `This Idempotency-Key was already used for a different request; use a new key for a new ${kindName}.`,
      );
    }
    return {
      id: workflowId,
      runId: description.runId,
      created: startedRunId === description.runId && Date.now() - description.startTime.getTime() < 10_000,
      status: runStatusOf(description.status.name),
      webUiUrl: webUiLink(this.config, workflowId),
    };
  }
}
