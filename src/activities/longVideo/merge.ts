/**
 * The last step of a transcription (or a custom task), on the main queue: the chunks' transcripts
 * as one timeline of the whole video, written as JSON, SRT and WebVTT (or the chunks' outputs as
 * outputs.json). Idempotent: the same chunks give the same files.
 */
import { ErrorTypes } from '../../domain/errors.js';
import { type ChunkTranscript, mergeChunkTranscripts, toSrt, toVtt } from '../../domain/transcript.js';
import type { Storage } from '../../storage/index.js';
import { activityFailure } from '../failures.js';
import type { ChunkOutput } from './custom.js';
import { longVideoKeys } from './prepare.js';

export interface MergeTranscriptInput {
  runKey: string;
  durationSec: number;
  /** The chunks' transcripts that were made (a failed chunk has none). */
  chunkRefs: string[];
}

export interface MergeCustomOutputsInput {
  runKey: string;
  model: string;
  durationSec: number;
  chunkRefs: string[];
}

export interface MergedTranscript {
  language: string;
  words: number;
  files: { json: string; srt: string; vtt: string };
}

export function createMergeActivities({ storage }: { storage: Storage }) {
  async function mergeTranscript(input: MergeTranscriptInput): Promise<MergedTranscript> {
    const files = {
      json: longVideoKeys.transcript(input.runKey, 'json'),
      srt: longVideoKeys.transcript(input.runKey, 'srt'),
      vtt: longVideoKeys.transcript(input.runKey, 'vtt'),
    };
    try {
      const chunks = await Promise.all(
        input.chunkRefs.map(async (ref) => JSON.parse((await storage.read(ref)).toString('utf8')) as ChunkTranscript),
      );
      const transcript = mergeChunkTranscripts(chunks, input.durationSec);
      await storage.write(files.json, JSON.stringify(transcript, null, 1));
      await storage.write(files.srt, toSrt(transcript));
      await storage.write(files.vtt, toVtt(transcript));
      const words = transcript.segments.reduce((n, s) => n + s.words.length, 0);
      return { language: transcript.language, words, files };
    } catch (err) {
      throw activityFailure(err, ErrorTypes.ChunkFailed, files.json, 'Merging the transcripts failed');
    }
  }
  /**
   * outputs.json of a custom task: every chunk's output at its offset from the video's start, in
   * chunk order (a failed chunk has none).
   */
  async function mergeCustomOutputs(input: MergeCustomOutputsInput): Promise<string> {
    const json = longVideoKeys.outputs(input.runKey);
    try {
      const chunks = await Promise.all(
        input.chunkRefs.map(async (ref) => {
          const { index, startSec, endSec, output } = JSON.parse(
            (await storage.read(ref)).toString('utf8'),
          ) as ChunkOutput;
          return { index, startSec, endSec, output };
        }),
      );
      chunks.sort((a, b) => a.index - b.index);
      await storage.write(
        json,
        JSON.stringify({ model: input.model, durationSec: input.durationSec, chunks }, null, 1),
      );
      return json;
    } catch (err) {
      throw activityFailure(err, ErrorTypes.ChunkFailed, json, 'Merging the outputs failed');
    }
  }

  return { mergeTranscript, mergeCustomOutputs };
}
