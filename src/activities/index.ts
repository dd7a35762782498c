import type { Config } from '../config/index.js';
import { createEspeakProvider } from '../providers/espeak.js';
import { createOfflineArtProvider } from '../providers/offlineArt.js';
import type { NarrationProvider, VisualProvider } from '../providers/types.js';
import type { Storage } from '../storage/index.js';
import { createNarrationActivities } from './narration.js';
import { createPlanActivities } from './plan.js';
import { createRenderActivities } from './render.js';
import { createVisualActivities } from './visuals.js';

export interface ActivityDeps {
  storage: Storage;
  tools: { ffmpeg: string; ffprobe: string; espeak: string };
  renderPreset: string;
  visualProviders: Record<string, VisualProvider>;
  defaultVisualProvider: string;
  narrationProvider: NarrationProvider;
}

/** Light, I/O-bound activities served on the main task queue. */
export function createPipelineActivities(deps: ActivityDeps) {
  return {
    ...createPlanActivities({ storage: deps.storage }),
    ...createVisualActivities({
      storage: deps.storage,
      tools: deps.tools,
      providers: deps.visualProviders,
      defaultProvider: deps.defaultVisualProvider,
    }),
    ...createNarrationActivities({ storage: deps.storage, tools: deps.tools, provider: deps.narrationProvider }),
  };
}

/** CPU-heavy activities served on the render task queue. */
export function createRenderQueueActivities(deps: ActivityDeps) {
  return createRenderActivities({ storage: deps.storage, tools: deps.tools, preset: deps.renderPreset });
}

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
export type RenderQueueActivities = ReturnType<typeof createRenderQueueActivities>;

/** Production wiring: offline providers by default (Replicate joins when keys are configured). */
export function activityDepsFromConfig(config: Config, storage: Storage): ActivityDeps {
  return {
    storage,
    tools: config.tools,
    renderPreset: config.render.preset,
    visualProviders: { 'offline-art': createOfflineArtProvider() },
    defaultVisualProvider: 'offline-art',
    narrationProvider: createEspeakProvider({ espeakPath: config.tools.espeak }),
  };
}
