import { ApplicationFailure } from '@temporalio/common';
import { rm } from 'node:fs/promises';
import { type ErrorType, ErrorTypes } from '../domain/errors.js';
import type { Mood } from '../domain/plan.js';
import type { Language } from '../domain/shortRequest.js';
import { type MediaTools, probeMedia, runFfmpeg } from '../media/ffmpeg.js';
import { verifyAudio, verifyNarration } from '../media/verify.js';
import { ReplicateErrorTypes } from '../replicate/errors.js';
import { musicModelInput, speechModelInput } from '../replicate/models.js';
import { runDurablePrediction } from '../replicate/prediction.js';
import { type Storage, type Verifier, runKeys } from '../storage/index.js';
import { activityFailure } from './failures.js';
import { readPlannedScene } from './plan.js';
import {
  type ReplicateActivityDeps,
  downloadWhileHeartbeating,
  firstOutputUrl,
  predictionCost,
  withKeyStats,
} from './replicate.js';
import type { Cost } from '../catalog/cost.js';
import type { SceneNarration } from './narration.js';

export interface ReplicateNarrationInput {
  runKey: string;
  planRef: string;
  sceneIndex: number;
  language: Language;
  model: string;
  voice?: string;
  speed?: number;
}

export interface ReplicateMusicInput {
  runKey: string;
  prompt?: string;
  moods: Mood[];
  durationSec: number;
  model: string;
}

export interface ReplicateMusic {
  musicRef: string;
  provider: string;
  offline: false;
  durationSec: number;
  /** What the prediction cost; absent when the bed was already in storage. */
  cost?: Cost;
}

/** 48 kHz PCM WAV: mono for a voice, stereo for a music bed. */
const VOICE_FORMAT = ['-ar', '48000', '-ac', '1', '-c:a', 'pcm_s16le'];
const MUSIC_FORMAT = ['-ar', '48000', '-ac', '2', '-c:a', 'pcm_s16le'];

/**
 * Speech and music models on the key pool, with the same durable, resumable predictions as the
 * images. The model's file is copied in, checked whole, and normalised to 48 kHz WAV before it is
 * committed, so the mix downstream treats every voice and bed alike.
 */
export function createReplicateAudioActivities(deps: ReplicateActivityDeps) {
  const { storage, tools } = deps;

  /** One scene's narration from a speech model on Replicate (MiniMax speech-02 by default). */
  async function synthesizeNarrationOnReplicate(input: ReplicateNarrationInput): Promise<SceneNarration> {
    const narrationRef = runKeys.narration(input.runKey, input.sceneIndex);
    const scene = await readPlannedScene(storage, input.planRef, input.sceneIndex);
    const mapped = speechModelInput(input.model, {
      text: scene.narration,
      language: input.language,
      voice: input.voice,
      speed: input.speed,
    });
    if ('unsupported' in mapped) {
      throw ApplicationFailure.create({
        type: ReplicateErrorTypes.InvalidInput,
        nonRetryable: true,
        message: mapped.unsupported,
      });
    }
    let cost: Cost | undefined;
    if (!(await storage.exists(narrationRef))) {
      cost = await predictAudio(
        deps,
        { model: input.model, input: mapped.input },
        narrationRef,
        VOICE_FORMAT,
        verifyNarration(tools, { text: scene.narration }),
        ErrorTypes.NarrationFailed,
      );
    }
    const durationSec = await measuredSeconds(tools, storage, narrationRef);
    return {
      narrationRef,
      durationSec,
      provider: `replicate:${input.model}`,
      voice: mapped.voice,
      offline: false,
      ...(cost ? { cost } : {}),
    };
  }

  /** A music bed from MusicGen; a bed shorter than the short is looped by the soundtrack mix. */
  async function generateMusicOnReplicate(input: ReplicateMusicInput): Promise<ReplicateMusic> {
    const musicRef = runKeys.music(input.runKey);
    const prompt = input.prompt ?? promptFor(input.moods);
    let cost: Cost | undefined;
    if (!(await storage.exists(musicRef))) {
      cost = await predictAudio(
        deps,
        { model: input.model, input: musicModelInput({ prompt, durationSec: input.durationSec }, input.model) },
        musicRef,
        MUSIC_FORMAT,
        verifyAudio(tools),
        ErrorTypes.MusicFailed,
      );
    }
    const durationSec = await measuredSeconds(tools, storage, musicRef);
    return { musicRef, provider: `replicate:${input.model}`, offline: false, durationSec, ...(cost ? { cost } : {}) };
  }

  return { synthesizeNarrationOnReplicate, generateMusicOnReplicate };
}

export type ReplicateAudioActivities = ReturnType<typeof createReplicateAudioActivities>;

async function predictAudio(
  { own, pool, storage, tools, stats, webhooks }: ReplicateActivityDeps,
  request: { model: string; input: Record<string, unknown> },
  ref: string,
  format: string[],
  verify: Verifier,
  failureType: ErrorType,
): Promise<Cost> {
  const sourceRef = `${ref}.source`;
  try {
    return await withKeyStats(stats, async () => {
      const { prediction, checkpoint } = await runDurablePrediction(own, pool, request, webhooks);
      const url = firstOutputUrl(prediction.output, 'audio');
      await downloadWhileHeartbeating(url, { storage, tools }, sourceRef, checkpoint, verifyAudio);
      await storage.put(
        ref,
        (output) =>
          runFfmpeg(tools, { inputs: [{ path: storage.localPath(sourceRef) }], outputOptions: format, output }),
        verify,
      );
      return predictionCost(request, prediction, 1);
    });
  } catch (err) {
    throw activityFailure(err, failureType, ref, 'Making the audio failed');
  } finally {
    await rm(storage.localPath(sourceRef), { force: true });
  }
}

async function measuredSeconds(tools: MediaTools, storage: Storage, ref: string): Promise<number> {
  return (await probeMedia(tools, storage.localPath(ref))).durationSec;
}

/** An English prompt for a background bed that suits the plan's moods: no vocals under a narrator. */
function promptFor(moods: Mood[]): string {
  const counts = new Map<Mood, number>();
  for (const mood of moods) counts.set(mood, (counts.get(mood) ?? 0) + 1);
  const main = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'calm';
  return `soft ${main} instrumental background music for a short film, gentle, no vocals, steady, unobtrusive under narration`;
}
