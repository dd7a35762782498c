/**
 * The `scenes` task of a long video, on the main queue: each picture chunk's scene changes found
 * locally with ffmpeg (in parallel, a chunk per activity), then one list of scenes for the whole
 * video with a still of each, written as scenes.json. Idempotent: results are kept in storage.
 */
import { Context } from '@temporalio/activity';
import { ErrorTypes } from '../../domain/errors.js';
import type { ChunkScenes, FoundScene } from '../../domain/longVideo.js';
import { detectSceneChanges, extractStill } from '../../media/chunks/scenes.js';
import type { MediaTools } from '../../media/ffmpeg.js';
import { verifyImage } from '../../media/verify.js';
import type { Storage } from '../../storage/index.js';
import { activityFailure, ffmpegFailure } from '../failures.js';
import { withHeartbeat } from '../heartbeat.js';

export interface DetectChunkScenesInput {
  runKey: string;
  index: number;
  chunkRef: string;
  startSec: number;
}

export interface MergeScenesInput {
  runKey: string;
  durationSec: number;
  chunks: { scenesRef: string; chunkRef: string; startSec: number; endSec: number }[];
}

/** A change closer than this to the previous one is the same cut (a fade, a flash). */
const MIN_SCENE_SEC = 0.5;

const pad = (n: number) => String(n).padStart(3, '0');
const keys = {
  chunkScenes: (runKey: string, index: number) => `videos/${runKey}/scenes/${pad(index)}.json`,
  still: (runKey: string, index: number) => `videos/${runKey}/stills/${pad(index)}.jpg`,
  scenes: (runKey: string) => `videos/${runKey}/scenes.json`,
};

export function createSceneActivities({ storage, tools }: { storage: Storage; tools: MediaTools }) {
  async function detectChunkScenes(input: DetectChunkScenesInput): Promise<ChunkScenes> {
    const ref = keys.chunkScenes(input.runKey, input.index);
    if (await storage.exists(ref)) {
      return { ref, changes: (JSON.parse((await storage.read(ref)).toString('utf8')) as number[]).length };
    }
    const ctx = Context.current();
    try {
      const changes = await withHeartbeat(() =>
        detectSceneChanges(tools, storage.localPath(input.chunkRef), { signal: ctx.cancellationSignal }),
      );
      const absolute = changes.map((t) => Math.round((t + input.startSec) * 1000) / 1000);
      await storage.write(ref, JSON.stringify(absolute));
      return { ref, changes: absolute.length };
    } catch (err) {
      throw ffmpegFailure(err, ctx, ErrorTypes.ChunkFailed, ref, `Finding the scenes of chunk ${input.index} failed`);
    }
  }

  async function mergeScenes(input: MergeScenesInput): Promise<{ scenes: FoundScene[]; json: string }> {
    const ctx = Context.current();
    const json = keys.scenes(input.runKey);
    try {
      const changes = (
        await Promise.all(
          input.chunks.map(async (c) => JSON.parse((await storage.read(c.scenesRef)).toString('utf8')) as number[]),
        )
      )
        .flat()
        .sort((a, b) => a - b);
      const starts = [0];
      for (const t of changes) if (t - starts.at(-1)! >= MIN_SCENE_SEC && t < input.durationSec) starts.push(t);
      const scenes: FoundScene[] = [];
      await withHeartbeat(async (progress) => {
        for (const [index, startSec] of starts.entries()) {
          const endSec = starts[index + 1] ?? input.durationSec;
          const at = startSec + Math.min(0.5, (endSec - startSec) / 2);
          const chunk = [...input.chunks].reverse().find((c) => c.startSec <= at) ?? input.chunks[0]!;
          const still = keys.still(input.runKey, index);
          if (!(await storage.exists(still))) {
            await storage.put(
              still,
              (output) =>
                extractStill(tools, storage.localPath(chunk.chunkRef), at - chunk.startSec, output, {
                  signal: ctx.cancellationSignal,
                }),
              verifyImage(tools),
            );
          }
          scenes.push({ index, startSec, endSec: Math.round(endSec * 1000) / 1000, still });
          progress((index + 1) / starts.length);
        }
      });
      await writeSceneList({ runKey: input.runKey, durationSec: input.durationSec, scenes });
      return { scenes, json };
    } catch (err) {
      throw ffmpegFailure(err, ctx, ErrorTypes.ChunkFailed, json, 'Listing the scenes failed');
    }
  }

  /**
   * scenes.json: the list as the API serves it (written again once the scenes are described), as a
   * client may see it: stills by their name beside the file, never a storage key, and a failed
   * description only flagged (its message, scrubbed, is in the run's result).
   */
  async function writeSceneList(input: { runKey: string; durationSec: number; scenes: FoundScene[] }): Promise<string> {
    const json = keys.scenes(input.runKey);
    const scenes = input.scenes.map((sc) => ({
      index: sc.index,
      startSec: sc.startSec,
      endSec: sc.endSec,
      still: `stills/${pad(sc.index)}.jpg`,
      ...(sc.description !== undefined ? { description: sc.description } : {}),
      ...(sc.descriptionError !== undefined ? { descriptionFailed: true } : {}),
    }));
    try {
      await storage.write(json, JSON.stringify({ durationSec: input.durationSec, scenes }, null, 1));
      return json;
    } catch (err) {
      throw activityFailure(err, ErrorTypes.ChunkFailed, json, 'Writing the scene list failed');
    }
  }

  return { detectChunkScenes, mergeScenes, writeSceneList };
}
