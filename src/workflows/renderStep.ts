/**
 * The render at the end of a short: one pass (renderShort), or as segments (renderSegment for each
 * scene body and transition on any render worker, then joinSegments). Segments are content-addressed,
 * so a revision finds its parent's and encodes only the ones that changed; and each starts as soon
 * as the scenes it shows are ready (the timeline needs every narration, not every picture), so the
 * encoding overlaps the slower images and the soundtrack.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { PipelineActivities, RenderQueueActivities } from '../activities/index.js';
import type { RenderShortInput, RenderShortScene, RenderedSegment } from '../activities/render.js';
import type { SegmentedRenderFacts } from '../domain/result.js';
import { segmentLayouts } from '../media/render/segments.js';
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

  // Looking up an already-rendered segment is light and runs on the main queue (no render slot).
  const { findRenderedSegment } = proxyActivities<PipelineActivities>({ startToCloseTimeout: '2 minutes', retry });

  /**
   * Starts every segment once the scenes it shows are ready. `base` is the render input without
   * scenes; `sceneOf(i)` resolves with scene i's render entry when its picture is ready, and
   * whether that picture was paid for in this run (a new prediction).
   */
  function startSegments(
    base: Omit<RenderShortInput, 'scenes'>,
    narrationOnly: RenderShortScene[],
    sceneOf: (i: number) => Promise<{ scene: RenderShortScene; paidFor: boolean }>,
  ): Promise<RenderedSegment[]> {
    return Promise.all(
      segmentLayouts(base).map(async (layout) => {
        const shown = [...new Set(layout.parts.map((p) => p.scene))];
        const ready = new Map(await Promise.all(shown.map(async (i) => [i, await sceneOf(i)] as const)));
        // A segment reads only its own scenes' pictures; the others go by their narration alone.
        const scenes = narrationOnly.map((scene, i) => ready.get(i)?.scene ?? scene);
        const input = { ...base, scenes, segment: layout.index };
        // A picture just paid for is new, so its segments cannot have been rendered: straight to
        // a render slot (which looks under the key anyway). Others may be found whole (a parent's).
        if ([...ready.values()].some((r) => r.paidFor)) return renderSegment(input);
        return (await findRenderedSegment(input)) ?? renderSegment(input);
      }),
    );
  }

  async function joinRendered(input: RenderShortInput, segments: RenderedSegment[]) {
    const video = await joinSegments({
      ...input,
      segments: segments.map(({ segmentRef, frames }) => ({ segmentRef, frames })),
    });
    const encoded = segments.filter((s) => !s.reused);
    const segmented: SegmentedRenderFacts = {
      segments: segments.length,
      encoded: encoded.length,
      encodedFrames: encoded.reduce((sum, s) => sum + s.frames, 0),
      totalFrames: segments.reduce((sum, s) => sum + s.frames, 0),
    };
    return { ...video, segmented };
  }

  return { renderShort, startSegments, joinRendered };
}
