/**
 * New runs made from an earlier short, each with an id that names it: a revision of a completed
 * short with one scene edited, or a retry of a failed or cancelled one. Every image and clip that
 * does not change comes from the generation cache, so only what changed (or failed) is paid for.
 * The HTTP API (api/routes/revisions.ts) and the CLI (`reelflow regenerate`, `reelflow retry`) both
 * start them here, so they refuse the same things with the same words.
 */
import { type SceneEdit, sceneEditSchema } from '../domain/planApproval.js';
import type { ShortVideoInput } from '../domain/shortRequest.js';
import { type Storage, runKeys } from '../storage/index.js';
import { RunNotRevisableError, SceneNotFoundError } from './errors.js';
import { shortKind } from './kinds/short.js';
import type { RunService, StartedRun } from './service.js';

/** A scene's edit for a revision: like an approval's, but it must change something. */
export const revisionEditSchema = sceneEditSchema.refine((e) => Object.values(e).some((v) => v !== undefined), {
  message: 'say what changes: imagePrompt, narration or motionPrompt',
});

export interface ChildRunOptions {
  /** Task queue for the new run; defaults to the configured one (tests use their own). */
  taskQueue?: string;
  /** The caller's own Replicate token (the API's second tier), never the parent's. */
  replicateToken?: string;
}

/** A new run checked and resolved, not started yet: what `startChildRun` starts. */
export interface ChildRun {
  parentId: string;
  input: ShortVideoInput;
  what: 'rev' | 'retry';
  /** The revised scene, 1-based as asked; absent for a retry. */
  scene?: number;
}

export interface StartedChildRun extends StartedRun {
  parent: string;
  scene?: number;
}

/** Checks and starts a revision (see prepareRevision). */
export async function startRevision(
  runs: RunService,
  parentId: string,
  scene: string,
  edit: SceneEdit,
  options: ChildRunOptions = {},
): Promise<StartedChildRun> {
  return startChildRun(runs, await prepareRevision(runs, parentId, scene, edit), options);
}

/** Checks and starts a retry (see prepareRetry). */
export async function startRetry(
  runs: RunService,
  storage: Storage,
  parentId: string,
  options: ChildRunOptions = {},
): Promise<StartedChildRun> {
  return startChildRun(runs, await prepareRetry(runs, storage, parentId), options);
}

/**
 * A revision of `parentId` with scene `scene` (1-based, as the person typed it: a URL segment or a
 * flag) changed by `edit`. Refuses a parent that has not completed and a scene it does not have.
 * Apart from starting, so the CLI refuses before it spends time starting a worker.
 */
export async function prepareRevision(
  runs: RunService,
  parentId: string,
  scene: string,
  edit: SceneEdit,
): Promise<ChildRun> {
  const parent = await runs.get(shortKind, parentId, 'if-running');
  if (parent.status !== 'completed' || !parent.result) {
    throw new RunNotRevisableError(
      'not_completed',
      parentId,
      parent.status,
      `Short "${parentId}" is ${parent.status}; only a completed short can be revised.`,
    );
  }
  const sceneCount = parent.result.scenes.length;
  const n = Number(scene);
  if (!Number.isInteger(n) || n < 1 || n > sceneCount) {
    throw new SceneNotFoundError(
      parentId,
      sceneCount,
      `Short "${parentId}" has scenes 1 to ${sceneCount}; there is no scene ${scene.slice(0, 20)}.`,
    );
  }
  const input: ShortVideoInput = {
    ...(await inheritedInput(runs, parentId)),
    revision: { parentId, planRef: runKeys.plan(parentId), scene: n - 1, edit },
  };
  return { parentId, input, what: 'rev', scene: n };
}

/**
 * A failed or cancelled short again, with its plan when it got that far (so a planner that
 * answered once is not asked again). Refuses a short that is running or completed.
 */
export async function prepareRetry(runs: RunService, storage: Storage, parentId: string): Promise<ChildRun> {
  const parent = await runs.get(shortKind, parentId, 'if-running');
  if (parent.status === 'running' || parent.status === 'completed') {
    throw new RunNotRevisableError(
      'not_failed',
      parentId,
      parent.status,
      `Short "${parentId}" is ${parent.status}; only a failed or cancelled short can be retried.`,
    );
  }
  const planRef = runKeys.plan(parentId);
  const input = await inheritedInput(runs, parentId);
  const withPlan = (await storage.exists(planRef)) ? { ...input, revision: { parentId, planRef } } : input;
  return { parentId, input: withPlan, what: 'retry' };
}

/** `short-en-the-fox-k3j9x2` → `short-en-the-fox-rev-p0q1r2`: the child's id names its parent. */
export async function startChildRun(
  runs: RunService,
  child: ChildRun,
  options: ChildRunOptions = {},
): Promise<StartedChildRun> {
  const readable = child.parentId
    .replace(/^short-/, '')
    .replace(/-[a-z0-9]{6}$/, '')
    .slice(0, 60);
  const started = await runs.startInput(shortKind, child.input, {
    taskQueue: options.taskQueue,
    idParts: [readable, child.what],
    ...(options.replicateToken ? { replicateToken: options.replicateToken } : {}),
  });
  return { ...started, parent: child.parentId, ...(child.scene !== undefined ? { scene: child.scene } : {}) };
}

/**
 * The parent's input without what must not carry over: its approval gate, its own revision, and
 * `cache: false` (a revision exists to reuse the parent's generations, which were remembered).
 */
async function inheritedInput(runs: RunService, parentId: string): Promise<ShortVideoInput> {
  const parentInput = (await runs.inputOf(shortKind, parentId)) as ShortVideoInput;
  // Nor the parent's own Replicate token: a revision runs with its caller's credentials.
  const { approval: _approval, revision: _revision, cache: _cache, replicateToken: _token, ...inherited } = parentInput;
  return inherited as ShortVideoInput;
}
