/**
 * One chunk of a long video through a speech model on the key pool: the chunk's audio goes up
 * through Replicate's files API (owned by the key that predicts, as a prediction can only read its
 * own account's files), the prediction is durable like every other (a retried attempt resumes it),
 * and the words come back with times from the chunk's start, kept in storage: a chunk already
 * transcribed is never paid for again.
 */
import { log } from '@temporalio/activity';
import { ErrorTypes } from '../../domain/errors.js';
import type { ChunkCallInput, ChunkTranscribed } from '../../domain/longVideo.js';
import { type ChunkTranscript, parseModelTranscript } from '../../domain/transcript.js';
import { runDurablePrediction } from '../../replicate/prediction.js';
import { activityFailure } from '../failures.js';
import { type ReplicateActivityDeps, predictionCost, withKeyStats } from '../replicate.js';
import { longVideoKeys } from './prepare.js';
import { logTaken } from './keyLog.js';
import { uploadForPrediction } from './upload.js';

export type TranscribeChunkInput = ChunkCallInput;

export function createTranscribeActivities({ own, pool, storage, stats, webhooks }: ReplicateActivityDeps) {
  async function transcribeChunk(input: TranscribeChunkInput): Promise<ChunkTranscribed> {
    const ref = longVideoKeys.chunkTranscript(input.runKey, input.index);
    if (await storage.exists(ref)) {
      const kept = JSON.parse((await storage.read(ref)).toString('utf8')) as ChunkTranscript;
      return { ref, language: kept.language, words: countWords(kept) };
    }
    try {
      return await withKeyStats(stats, async () => {
        logTaken(own, stats, `chunk ${input.index}`, input.videoId);
        const audioUrl = await uploadForPrediction(own, storage, input.chunkRef, 'a chunk of audio');
        const request = {
          model: input.model,
          input: { audio_file: audioUrl, align_output: true, ...(input.language ? { language: input.language } : {}) },
        };
        const { prediction, owner } = await runDurablePrediction(own, pool, request, webhooks);
        const heard = parseModelTranscript(prediction.output);
        const chunk: ChunkTranscript = { startSec: input.startSec, endSec: input.endSec, ...heard };
        await storage.write(ref, JSON.stringify(chunk));
        const cost = predictionCost(request, prediction, 1);
        log.info(
          `key #${owner.key.index} finished chunk ${input.index} of ${input.videoId}: ${countWords(chunk)} words`,
        );
        return {
          ref,
          language: chunk.language,
          words: countWords(chunk),
          key: owner.key.masked,
          ...(cost.usd !== undefined ? { costUsd: cost.usd } : {}),
        };
      });
    } catch (err) {
      throw activityFailure(err, ErrorTypes.ChunkFailed, ref, `Transcribing chunk ${input.index} failed`);
    }
  }

  return { transcribeChunk };
}

function countWords(t: { segments: { words: unknown[] }[] }): number {
  return t.segments.reduce((n, s) => n + s.words.length, 0);
}
