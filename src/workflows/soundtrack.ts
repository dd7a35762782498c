import type { UserKey } from './userKey.js';
import { proxyActivities } from '@temporalio/workflow';
import { estimateCost } from '../catalog/cost.js';
import { type BudgetLedger, withinBudget } from './budgetLedger.js';
import type { Cost } from '../domain/cost.js';
import type { PipelineActivities } from '../activities/index.js';
import type { SceneNarration } from '../activities/narration.js';
import type { PlanResult } from '../activities/plan.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import type { Mood } from '../domain/plan.js';
import type { SoundtrackFacts } from '../domain/result.js';
import type { ShortVideoInput } from '../domain/shortRequest.js';
import type { Timeline } from '../domain/timeline.js';
import { estimatedSeconds } from '../planner/checkPlan.js';
import { DEFAULT_MUSIC_MODEL, replicateActivities } from './replicateActivities.js';

const { prepareMusic, mixSoundtrack } = proxyActivities<PipelineActivities>({
  // A music URL is size- and time-capped by the fetcher; mixing a minute of audio takes seconds.
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 4,
    nonRetryableErrorTypes,
  },
});

export interface MusicBed {
  musicRef?: string;
  source: string;
  provider?: string;
  offline: boolean;
  /** What a generated bed's prediction cost. */
  cost?: Cost;
}

export interface Soundtrack {
  soundtrackRef: string;
  facts: SoundtrackFacts;
  music: { offline: boolean; cost?: Cost };
}

/** Narration and pauses of a scene, generously, so a bed made before the voices is never short. */
const SCENE_OVERHEAD_SEC = 1.5;
const BED_MARGIN = 1.3;

/**
 * The music bed, started as soon as the plan exists so it is ready when the narration is: made
 * locally, fetched, or generated on the key pool. Its length is an estimate from the plan's text
 * (the mix trims or loops it to the real timeline).
 */
export async function prepareBed(args: {
  runKey: string;
  input: ShortVideoInput;
  plan: PlanResult;
  ledger?: BudgetLedger;
  user?: UserKey;
}): Promise<MusicBed> {
  const { runKey, input, plan, ledger, user } = args;
  const music = input.music && input.music.source !== 'none' ? input.music : undefined;
  if (!music) return { source: 'none', offline: true };
  const moods = plan.scenes.map((s) => s.mood ?? 'calm') as Mood[];
  const durationSec = Math.max(
    10,
    BED_MARGIN *
      plan.scenes.reduce((sum, s) => sum + SCENE_OVERHEAD_SEC + estimatedSeconds(s.narration ?? s.preview, plan), 0),
  );
  const bed =
    music.source === 'replicate'
      ? await withinBudget(
          ledger,
          'The music bed',
          () => estimateCost(music.model ?? DEFAULT_MUSIC_MODEL, { aspect: input.aspect, durationSec }).usd,
          () =>
            replicateActivities(user).generateMusicOnReplicate({
              runKey,
              prompt: music.prompt,
              moods,
              durationSec,
              model: music.model ?? DEFAULT_MUSIC_MODEL,
            }),
        )
      : await prepareMusic({ runKey, music, moods, durationSec });
  const cost = 'cost' in bed ? bed.cost : undefined;
  return bed.musicRef
    ? {
        musicRef: bed.musicRef,
        source: music.source,
        provider: bed.provider,
        offline: bed.offline,
        ...(cost ? { cost } : {}),
      }
    : { source: 'none', offline: true };
}

/** The narration on the timeline over the bed, ducked under every spoken line, faded, at −14 LUFS / −1 dBTP. */
export async function mixWithNarration(args: {
  runKey: string;
  input: ShortVideoInput;
  narrations: SceneNarration[];
  timeline: Timeline;
  bed: MusicBed;
}): Promise<Soundtrack> {
  const { runKey, input, narrations, timeline, bed } = args;
  const mixed = await mixSoundtrack({
    runKey,
    timeline,
    narrationRefs: narrations.map((n) => n.narrationRef),
    ...(bed.musicRef ? { musicRef: bed.musicRef, musicVolume: input.music?.volume } : {}),
  });
  return {
    soundtrackRef: mixed.soundtrackRef,
    facts: {
      integratedLufs: mixed.integratedLufs,
      truePeakDbtp: mixed.truePeakDbtp,
      music: bed.musicRef ? { source: bed.source, provider: bed.provider, offline: bed.offline } : { source: 'none' },
    },
    music: { offline: bed.offline, ...(bed.cost ? { cost: bed.cost } : {}) },
  };
}
