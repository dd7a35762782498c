/**
 * One scene's still described by a vision model on the key pool: the still goes up through the
 * files API (owned by the key that predicts), the prediction is durable like every other (a
 * retried attempt resumes it), and the description is kept in storage, so a scene is never
 * described, or paid for, twice.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { parseModelRef } from '../../catalog/lookup.js';
import { ErrorTypes } from '../../domain/errors.js';
import type { SceneDescribed } from '../../domain/longVideo.js';
import { ReplicateErrorTypes } from '../../replicate/errors.js';
import { runDurablePrediction } from '../../replicate/prediction.js';
import { activityFailure } from '../failures.js';
import { type ReplicateActivityDeps, predictionCost, withKeyStats } from '../replicate.js';
import { longVideoKeys } from './prepare.js';
import { logTaken } from './keyLog.js';
import { uploadForPrediction } from './upload.js';

export interface DescribeSceneInput {
  runKey: string;
  /** The workflow, for log lines that say whose scene a key took. */
  videoId: string;
  index: number;
  stillRef: string;
  model: string;
}

/** What LLaVA-style models are asked; one sentence keeps scenes.json readable and the tokens few. */
export const DESCRIBE_PROMPT = 'Describe this frame of a video in one sentence.';

/**
 * The model's own input fields for a still: BLIP captions with `task`, LLaVA and the other
 * instruction-following vision models answer a `prompt` about the `image`.
 */
export function visionInput(model: string, imageUrl: string): Record<string, unknown> {
  if (parseModelRef(model).name.toLowerCase().includes('blip')) return { image: imageUrl, task: 'image_captioning' };
  return { image: imageUrl, prompt: DESCRIBE_PROMPT, max_tokens: 120 };
}

/** The words of a vision model's output: LLaVA streams a list of tokens, BLIP says "Caption: …". */
export function descriptionOf(output: unknown): string {
  const text = (Array.isArray(output) ? output.filter((t) => typeof t === 'string').join('') : output) ?? '';
  const words = typeof text === 'string' ? text.replace(/^\s*Caption:\s*/i, '').trim() : '';
  if (!words) {
    throw ApplicationFailure.create({
      type: ReplicateErrorTypes.PredictionFailed,
      nonRetryable: true,
      message: `The vision model returned no description (output: ${JSON.stringify(output)?.slice(0, 200)}).`,
    });
  }
  return words;
}

export function createDescribeActivities({ own, pool, storage, stats, webhooks }: ReplicateActivityDeps) {
  async function describeScene(input: DescribeSceneInput): Promise<SceneDescribed> {
    const ref = longVideoKeys.sceneDescription(input.runKey, input.index);
    if (await storage.exists(ref)) {
      const kept = JSON.parse((await storage.read(ref)).toString('utf8')) as { description: string };
      return { ref, description: kept.description };
    }
    try {
      return await withKeyStats(stats, async () => {
        logTaken(own, stats, `scene ${input.index}`, input.videoId);
        const imageUrl = await uploadForPrediction(own, storage, input.stillRef, 'a scene still');
        const request = { model: input.model, input: visionInput(input.model, imageUrl) };
        const { prediction, owner } = await runDurablePrediction(own, pool, request, webhooks);
        const description = descriptionOf(prediction.output);
        await storage.write(ref, JSON.stringify({ index: input.index, model: input.model, description }));
        const cost = predictionCost(request, prediction, 1);
        log.info(`key #${owner.key.index} described scene ${input.index} of ${input.videoId}`);
        return {
          ref,
          description,
          key: owner.key.masked,
          ...(cost.usd !== undefined ? { costUsd: cost.usd } : {}),
        };
      });
    } catch (err) {
      throw activityFailure(err, ErrorTypes.ChunkFailed, ref, `Describing scene ${input.index} failed`);
    }
  }

  return { describeScene };
}
