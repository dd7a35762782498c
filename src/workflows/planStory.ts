import { isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { PipelineActivities } from '../activities/index.js';
import type { PlanResult } from '../activities/plan.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import type { ShortVideoInput } from '../domain/shortRequest.js';
import { providerNonRetryableTypes } from '../providers/failures.js';
import { rootFailure } from './sceneSteps.js';

const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: [...nonRetryableErrorTypes, ...providerNonRetryableTypes],
};

const { planScenes } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { ...retry, maximumAttempts: 3 },
});

// A local model can think for minutes; heartbeats every 5 s show the worker is alive meanwhile.
// A 429 waits as long as the server asked (nextRetryDelay), 5xx and timeouts back off.
const { planWithLlm } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { ...retry, maximumAttempts: 4 },
});

/**
 * The scene plan, from the planner the run asked for. `auto` (an LLM configured, no choice made)
 * falls back to the offline splitter when the LLM cannot deliver, and the plan says why; `llm`
 * turns the same trouble into the run's typed failure. Runs started before planners could be
 * chosen have no `planner` and take the offline path they always took, so their histories replay
 * without a patch: the new branch is only reachable with new input.
 */
export async function planStory(input: ShortVideoInput, runKey: string): Promise<PlanResult> {
  const request = {
    runKey,
    story: input.story,
    sceneCount: input.sceneCount,
    language: input.language,
    style: input.style,
    ...(input.planner ? { structure: input.structure, targetSeconds: input.targetSeconds } : {}),
  };
  if (input.planner !== 'llm' && input.planner !== 'auto') return planScenes(request);
  try {
    return await planWithLlm(request);
  } catch (err) {
    if (input.planner === 'llm' || isCancellation(err)) throw err;
    const cause = rootFailure(err);
    const fallbackReason = `${cause.type ?? 'Error'}: ${cause.message ?? String(err)}`;
    log.warn('The LLM could not plan the short; the offline splitter plans it instead', { fallbackReason });
    return planScenes({ ...request, fallbackReason });
  }
}
