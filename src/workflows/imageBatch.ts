import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  setHandler,
  patched,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { estimateCost } from '../catalog/cost.js';
import { sumCosts } from '../domain/cost.js';
import { BUDGET_LEDGER, BudgetLedger, withinBudget } from './budgetLedger.js';
import {
  type BatchFailure,
  type BatchProgress,
  type BatchSuccess,
  type BatchTask,
  DEFAULT_OUTPUT_BASENAME,
  type BatchRequest,
  type ImageBatchResult,
  imageBatchInputSchema,
} from '../domain/batch.js';
import { countedTask } from './batchTask.js';
import { getBatchProgressQuery } from './definitions.js';
import { parseWorkflowInput } from './input.js';
import { DEFAULT_REPLICATE_MODEL, replicateActivities } from './replicateActivities.js';
import { publishStage } from './stageAttribute.js';
import { userKeyFor } from './userKey.js';

/** Larger than any pool we expect (keys × slots), small enough to persist in a few milliseconds. */
const FIRST_WAVE = 50;

/**
 * A batch of images over the Replicate key pool: every task is scheduled at once on the shared
 * Replicate queue, and the key workers' free slots pull them (work stealing), so the pool stays
 * full until the queue is empty. Each task succeeds or fails on its own.
 *
 * History: a task costs 3 activity events (retries add none) plus at most one workflow task (3
 * events) when its result arrives, and small payloads (refs and URLs, never bytes). 1000 tasks stay
 * under ~6,000 events, below Temporal's 10,240-event warning, its 51,200-event / 50 MB limits and its
 * 2,000 pending-activity limit; past ~500 tasks replays get slow enough to matter. Larger batches
 * would run as child workflows of ≤500 tasks or continue-as-new (future work), hence the cap.
 */
export async function imageBatch(input: BatchRequest & { replicateToken?: string }): Promise<ImageBatchResult> {
  const {
    tasks,
    model = DEFAULT_REPLICATE_MODEL,
    modelInput,
    download,
    budget,
    cache,
    replicateToken,
  } = parseWorkflowInput('imageBatch', imageBatchInputSchema, input);
  const progress: BatchProgress = { total: tasks.length, succeeded: 0, failed: 0, running: tasks.length };
  setHandler(getBatchProgressQuery, () => ({ ...progress }));
  const ledger =
    budget && patched(BUDGET_LEDGER)
      ? new BudgetLedger(budget, (state) => {
          if (state.waiting !== progress.budget?.waiting) publishStage(state.waiting ? 'awaiting-budget' : 'running');
          progress.budget = state;
        })
      : undefined;
  const estimateUsd = () => estimateCost(model, { aspect: '1:1', modelInput }).usd;

  const { generateImage } = replicateActivities(await userKeyFor({ replicateToken }));
  publishStage('running');
  const runTask = (task: BatchTask, taskIndex: number) =>
    countedTask(progress, () =>
      withinBudget(ledger, `Task ${taskIndex}`, estimateUsd, () =>
        generateImage({
          batchKey: workflowInfo().workflowId,
          taskIndex,
          prompt: task.prompt,
          model,
          modelInput,
          outputFilename: task.output_filename,
          download,
          ...(cache === false ? { cache: false } : {}),
        }),
      ),
    );
  // Each task is settled as soon as it is scheduled, so a fast failure (or a cancellation during the
  // tick below) is never an unhandled rejection while later tasks are still being scheduled.
  const running: Promise<PromiseSettledResult<Awaited<ReturnType<typeof generateImage>>>>[] = [];
  try {
    for (const [taskIndex, task] of tasks.entries()) {
      // The server persists every activity a workflow task schedules before any of them starts; a
      // first wave that fills the pool starts predictions at once, the rest follow one tick later.
      if (taskIndex === FIRST_WAVE) await sleep(1);
      running.push(settle(runTask(task, taskIndex)));
    }
  } finally {
    await Promise.all(running);
  }
  const settled = await Promise.all(running);

  const cancelled = settled.find((s) => s.status === 'rejected' && isCancellation(s.reason));
  if (cancelled) {
    publishStage('cancelled');
    throw (cancelled as PromiseRejectedResult).reason;
  }

  const successful_results: BatchSuccess[] = [];
  const failed_results: BatchFailure[] = [];
  settled.forEach((s, task_index) => {
    const { prompt, output_filename } = tasks[task_index]!;
    if (s.status === 'fulfilled') {
      successful_results.push({
        task_index,
        prompt,
        output_filename: output_filename ?? DEFAULT_OUTPUT_BASENAME,
        generated_files: s.value.files,
        ...(s.value.cost?.usd !== undefined ? { cost_usd: s.value.cost.usd } : {}),
        ...(s.value.cached ? { cached: true } : {}),
      });
    } else {
      failed_results.push({ task_index, prompt, error: describeFailure(s.reason) });
    }
  });
  publishStage('completed');
  return {
    successful_results,
    failed_results,
    summary: `${successful_results.length} successful, ${failed_results.length} failed`,
    cost: sumCosts(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.cost] : []))),
  };
}

/** The failure's own type and message (an ActivityFailure wraps the ApplicationFailure that says what went wrong). */
function describeFailure(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'Error', message: String(cause) };
}

function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}
