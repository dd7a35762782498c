import type { Config } from '../config/index.js';
import type { NarrationProviderName } from '../domain/shortRequest.js';
import { createLlmClient } from '../llm/client.js';
import { createElevenLabsProvider } from '../providers/elevenlabs.js';
import { createEspeakProvider } from '../providers/espeak.js';
import { createOfflineArtProvider } from '../providers/offlineArt.js';
import { createOpenAiSpeechProvider } from '../providers/openaiSpeech.js';
import type { NarrationProvider, VisualProvider } from '../providers/types.js';
import type { Storage } from '../storage/index.js';
import { type SafeFetcher, createSafeFetcher } from '../net/safeFetch.js';
import { createHighlightActivities } from './highlights/moments.js';
import { createMergeActivities } from './longVideo/merge.js';
import { createPrepareActivities } from './longVideo/prepare.js';
import { createSceneActivities } from './longVideo/scenes.js';
import { createNarrationActivities } from './narration.js';
import { type PlanDeps, createPlanActivities } from './plan.js';
import { createRenderActivities } from './render.js';
import { createSegmentActivities } from './renderSegments.js';
import { createSoundtrackActivities } from './soundtrack.js';
import { createVisualActivities } from './visuals.js';

export interface ActivityDeps {
  storage: Storage;
  tools: { ffmpeg: string; ffprobe: string; espeak: string };
  renderPreset: string;
  visualProviders: Record<string, VisualProvider>;
  defaultVisualProvider: string;
  /** The offline voice (espeak-ng), always there. */
  narrationProvider: NarrationProvider;
  /** Voices that need keys, present when configured. */
  speechProviders?: Partial<Record<Exclude<NarrationProviderName, 'espeak' | 'replicate'>, NarrationProvider>>;
  defaultNarrationProvider?: NarrationProviderName;
  llm?: PlanDeps['llm'];
  /** The one fetcher for user-supplied URLs (music today). */
  fetcher: SafeFetcher;
}

/** Light, I/O-bound activities served on the main task queue. */
export function createPipelineActivities(deps: ActivityDeps) {
  return {
    ...createPlanActivities({ storage: deps.storage, llm: deps.llm }),
    ...createVisualActivities({
      storage: deps.storage,
      tools: deps.tools,
      providers: deps.visualProviders,
      defaultProvider: deps.defaultVisualProvider,
    }),
    ...createNarrationActivities({
      storage: deps.storage,
      tools: deps.tools,
      providers: { espeak: deps.narrationProvider, ...deps.speechProviders },
      defaultProvider: deps.defaultNarrationProvider ?? 'espeak',
    }),
    ...createSoundtrackActivities({ storage: deps.storage, tools: deps.tools, fetcher: deps.fetcher }),
    ...createPrepareActivities({ storage: deps.storage, tools: deps.tools, fetcher: deps.fetcher }),
    ...createMergeActivities({ storage: deps.storage }),
    ...createSceneActivities({ storage: deps.storage, tools: deps.tools }),
    ...createHighlightActivities({ storage: deps.storage, tools: deps.tools, llm: deps.llm }),
    // Light: finding an already-rendered segment needs no render slot (see renderSegments.ts).
    findRenderedSegment: createSegmentActivities({
      storage: deps.storage,
      tools: deps.tools,
      preset: deps.renderPreset,
    }).findRenderedSegment,
  };
}

/** CPU-heavy activities served on the render task queue. */
export function createRenderQueueActivities(deps: ActivityDeps) {
  return createRenderActivities({ storage: deps.storage, tools: deps.tools, preset: deps.renderPreset });
}

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
export type RenderQueueActivities = ReturnType<typeof createRenderQueueActivities>;

/** Production wiring: offline providers always; the LLM and the paid voices when configured. */
export function activityDepsFromConfig(config: Config, storage: Storage): ActivityDeps {
  const { llm, speech } = config.providers;
  return {
    storage,
    tools: config.tools,
    renderPreset: config.render.preset,
    visualProviders: { 'offline-art': createOfflineArtProvider() },
    defaultVisualProvider: 'offline-art',
    narrationProvider: createEspeakProvider({ espeakPath: config.tools.espeak }),
    speechProviders: {
      ...(speech.openai ? { openai: createOpenAiSpeechProvider(speech.openai) } : {}),
      ...(speech.elevenlabs ? { elevenlabs: createElevenLabsProvider(speech.elevenlabs) } : {}),
    },
    defaultNarrationProvider: speech.defaultProvider,
    ...(llm ? { llm: { client: createLlmClient(llm), config: llm } } : {}),
    fetcher: createSafeFetcher(config.providers.fetch),
  };
}
