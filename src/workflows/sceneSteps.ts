import { ApplicationFailure, isCancellation, log } from '@temporalio/workflow';
import { ErrorTypes } from '../domain/errors.js';
import type { ProgressTracker } from './progressTracker.js';

/**
 * Runs one step for every scene in parallel. Every scene runs to its end even when another fails,
 * so finished assets are kept for a rerun; then the failures are reported together, by scene.
 */
export function forEachScene<T>(
  count: number,
  step: 'visual' | 'narration',
  progress: ProgressTracker,
  work: (sceneIndex: number) => Promise<T & { provider: string }>,
): Promise<T[]> {
  return startEachScene(count, step, progress, work).all;
}

/**
 * forEachScene, with each scene's own result as well (`each[i]`), so a later step of one scene can
 * start as soon as that scene is ready. `all` handles every rejection, so none goes unhandled.
 */
export function startEachScene<T>(
  count: number,
  step: 'visual' | 'narration',
  progress: ProgressTracker,
  work: (sceneIndex: number) => Promise<T & { provider: string }>,
): { each: Promise<T>[]; all: Promise<T[]> } {
  const each = Array.from({ length: count }, async (_, i) => {
    progress.scene(i, step, 'running');
    try {
      const result = await work(i);
      progress.scene(i, step, 'done', { provider: result.provider });
      return result as T;
    } catch (err) {
      progress.scene(i, step, 'failed', { error: rootMessage(err) });
      throw err;
    }
  });
  return { each, all: gather(step, each) };
}

async function gather<T>(step: 'visual' | 'narration', each: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(each);
  const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ i, reason: s.reason as unknown }] : []));
  if (failed.length === 0) return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  const cancelled = failed.find((f) => isCancellation(f.reason));
  if (cancelled) throw cancelled.reason;
  log.warn(`${step} failed for ${failed.length} scene(s)`, { scenes: failed.map((f) => f.i + 1) });
  // When every scene failed for the same reason (say, ToolMissing), keep that type: it carries the advice.
  const types = new Set(failed.map((f) => rootFailure(f.reason).type));
  const shared = types.size === 1 ? [...types][0] : undefined;
  const messages = [...new Set(failed.map((f) => rootMessage(f.reason)))];
  throw ApplicationFailure.create({
    type: shared ?? (step === 'visual' ? ErrorTypes.VisualFailed : ErrorTypes.NarrationFailed),
    nonRetryable: true,
    message: `${step === 'visual' ? 'Image' : 'Narration'} failed for scene(s) ${failed.map((f) => f.i + 1).join(', ')}: ${messages.join(' | ')}`,
  });
}

/**
 * Waits for all of `steps` to settle (so none is abandoned half-way), then returns their values or
 * throws the first failure, a cancellation first.
 */
export async function allToTheEnd<T extends readonly unknown[]>(steps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(steps);
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  if (failures.length) throw failures.find((f) => isCancellation(f)) ?? failures[0];
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

export function rootFailure(err: unknown): { message?: string; type?: string } {
  let current = err as { message?: string; type?: string; cause?: unknown } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  return current ?? {};
}

export function rootMessage(err: unknown): string {
  return rootFailure(err).message ?? String(err);
}

export function unique(values: string[]): string[] {
  return [...new Set(values)];
}
