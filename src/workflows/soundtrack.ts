import { proxyActivities } from '@temporalio/workflow';
import type { PipelineActivities } from '../activities/index.js';
import type { SceneNarration } from '../activities/narration.js';
import type { PlanResult } from '../activities/plan.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import type { Mood } from '../domain/plan.js';
import type { SoundtrackFacts } from '../domain/result.js';
import type { ShortVideoInput } from '../domain/shortRequest.js';
import type { Timeline } from '../domain/timeline.js';
import { DEFAULT_MUSIC_MODEL, replicateActivities } from './replicateActivities.js';

const { prepareMusic, mixSoundtrack } = proxyActivities<PipelineActivities>({
  // A music URL is size- and time-capped by the fetcher; mixing a minute of audio takes seconds.
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 4,
    nonRetryableErrorTypes,
  },
});

export interface Soundtrack {
  soundtrackRef: string;
  facts: SoundtrackFacts;
  music: { offline: boolean };
}

/**
 * The short's sound: a music bed (made locally, fetched, or generated on the key pool) laid under
 * the narration, ducked under every spoken line, faded, and normalised to −14 LUFS / −1 dBTP.
 */
export async function makeSoundtrack(args: {
  runKey: string;
  input: ShortVideoInput;
  plan: PlanResult;
  narrations: SceneNarration[];
  timeline: Timeline;
}): Promise<Soundtrack> {
  const { runKey, input, plan, narrations, timeline } = args;
  const music = input.music && input.music.source !== 'none' ? input.music : undefined;
  const moods = plan.scenes.map((s) => s.mood ?? 'calm') as Mood[];
  const bed = !music
    ? undefined
    : music.source === 'replicate'
      ? await replicateActivities().generateMusicOnReplicate({
          runKey,
          prompt: music.prompt,
          moods,
          durationSec: timeline.totalSec,
          model: music.model ?? DEFAULT_MUSIC_MODEL,
        })
      : await prepareMusic({ runKey, music, moods, durationSec: timeline.totalSec });
  const mixed = await mixSoundtrack({
    runKey,
    timeline,
    narrationRefs: narrations.map((n) => n.narrationRef),
    ...(bed?.musicRef ? { musicRef: bed.musicRef, musicVolume: music?.volume } : {}),
  });
  return {
    soundtrackRef: mixed.soundtrackRef,
    facts: {
      integratedLufs: mixed.integratedLufs,
      truePeakDbtp: mixed.truePeakDbtp,
      music: bed?.musicRef
        ? { source: music!.source, provider: bed.provider, offline: bed.offline }
        : { source: 'none' },
    },
    music: { offline: bed?.musicRef ? bed.offline : true },
  };
}
