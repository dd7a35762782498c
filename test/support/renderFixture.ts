import type { ActivityDeps } from '../../src/activities/index.js';
import { createPipelineActivities, createRenderQueueActivities } from '../../src/activities/index.js';
import { buildTimeline } from '../../src/domain/timeline.js';
import type { typedRunner } from './activityEnv.js';

/**
 * Plans `story`, makes every scene's image (540×960) and narration through the real activities,
 * and returns renderShort with its input (30 fps, 0.5 s cross-fades, captions).
 */
export async function prepareRender(
  run: ReturnType<typeof typedRunner>,
  deps: ActivityDeps,
  { runKey, story, sceneCount }: { runKey: string; story: string; sceneCount: number },
) {
  const activities = createPipelineActivities(deps);
  const plan = await run(activities.planScenes, { runKey, story, sceneCount, style: 'watercolour' });
  const scenes = [];
  const seconds = [];
  for (let sceneIndex = 0; sceneIndex < sceneCount; sceneIndex++) {
    const image = await run(activities.generateSceneImage, {
      runKey,
      planRef: plan.planRef,
      sceneIndex,
      width: 540,
      height: 960,
    });
    const voice = await run(activities.synthesizeNarration, {
      runKey,
      planRef: plan.planRef,
      sceneIndex,
      language: 'en',
    });
    scenes.push({ imageRef: image.imageRef, narrationRef: voice.narrationRef });
    seconds.push(voice.durationSec);
  }
  const render = createRenderQueueActivities(deps).renderShort;
  const input = {
    runKey,
    planRef: plan.planRef,
    language: 'en' as const,
    width: 540,
    height: 960,
    fps: 30,
    transition: { type: 'crossfade' as const, duration: 0.5 },
    captions: true,
    timeline: buildTimeline(seconds, 0.5, 30),
    scenes,
  };
  return { render, input };
}
