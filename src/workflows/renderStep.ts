/**
 * The render at the end of a short: one pass (renderShort), or as segments (renderSegment for each
 * scene body and transition, all at once on any render worker, then joinSegments). Segments are
 * content-addressed, so a revision finds its parent's and encodes only the ones that changed.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RenderQueueActivities } from '../activities/index.js';
import type { RenderShortInput, RenderedShort } from '../activities/render.js';
import type { SegmentedRenderFacts } from '../domain/result.js';
import { segmentCount } from '../media/render/segments.js';
import { stepRetry } from './shortSteps.js';

/** Runs that ask for a segmented render (and every revision) take this branch: new input, new commands. */
export const SEGMENTED_RENDER = 'segmented-render';

export function renderStep(renderTaskQueue: string) {
  const retry = { ...stepRetry, maximumAttempts: 3 };
  const { renderShort } = proxyActivities<RenderQueueActivities>({
    taskQueue: renderTaskQueue,
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '1 minute',
    retry,
  });
  // A segment is a few seconds of video: a much shorter bound notices a stuck encoder sooner.
  const { renderSegment, joinSegments } = proxyActivities<RenderQueueActivities>({
    taskQueue: renderTaskQueue,
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '1 minute',
    retry,
  });

  async function renderSegmented(
    input: RenderShortInput,
  ): Promise<RenderedShort & { segmented: SegmentedRenderFacts }> {
    const count = segmentCount(input);
    const segments = await Promise.all(
      Array.from({ length: count }, (_, segment) => renderSegment({ ...input, segment })),
    );
    const video = await joinSegments({
      ...input,
      segments: segments.map(({ segmentRef, frames }) => ({ segmentRef, frames })),
    });
    const encoded = segments.filter((s) => !s.reused);
    return {
      ...video,
      segmented: {
        segments: count,
        encoded: encoded.length,
        encodedFrames: encoded.reduce((sum, s) => sum + s.frames, 0),
        totalFrames: segments.reduce((sum, s) => sum + s.frames, 0),
      },
    };
  }

  return { renderShort, renderSegmented };
}
