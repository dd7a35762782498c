/**
 * `reelflow video scenes <file|url>`: a long video's scenes found on the service (through the API's
 * own route in process), followed with a bar per chunk, then scenes.json and every still saved in
 * one folder (descriptions in scenes.json with `--describe`).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/index.js';
import { type VideoState, videoKind } from '../../runs/kinds/video.js';
import { poolRunThroughApi } from '../poolRunThroughApi.js';
import { createProgressLineView } from '../views/batchProgress.js';
import type { VideoFlags } from './video.js';
import { requestBody, videoProgressLine } from './videoRequest.js';

export async function findScenes(source: string, flags: VideoFlags, loadConfig: () => Config): Promise<number> {
  const request = await requestBody(source, flags, { task: 'scenes', ...(flags.describe ? { describe: true } : {}) });
  return poolRunThroughApi(loadConfig(), {
    kind: videoKind,
    noun: 'video',
    // Scene changes are found locally; only describing the stills runs on Replicate.
    ...(flags.describe ? { needsKeys: 'Scene descriptions run on Replicate' } : {}),
    path: '/v1/videos',
    request,
    view: createProgressLineView<VideoState>((state) => videoProgressLine(state?.progress)),
    startedLine: (id) => `Started ${id}`,
    cancellingNote: (id) => `reelflow: asking Temporal to cancel ${id}…`,
    async done(status, storage) {
      const scenes = status.result.scenes ?? [];
      const dir = path.resolve(flags.out ?? path.join('out', status.id));
      await mkdir(path.join(dir, 'stills'), { recursive: true });
      await copyFile(storage.localPath(status.result.files.json), path.join(dir, 'scenes.json'));
      for (const scene of scenes) {
        await copyFile(storage.localPath(scene.still), path.join(dir, 'stills', path.basename(scene.still)));
      }
      if (flags.json) {
        const list = scenes.map(({ still, ...sc }) => ({
          ...sc,
          still: path.join(dir, 'stills', path.basename(still)),
        }));
        process.stdout.write(
          `${JSON.stringify({ id: status.id, dir, summary: status.result.summary, scenes: list })}\n`,
        );
      } else {
        process.stdout.write(`Saved ${scenes.length} scenes in ${dir} · ${status.result.summary}\n`);
        for (const sc of scenes) {
          process.stdout.write(
            `  ${sc.index}. ${sc.startSec.toFixed(1)}–${sc.endSec.toFixed(1)} s${sc.description ? ` ${sc.description}` : ''}\n`,
          );
        }
      }
      return 0;
    },
  });
}
