/**
 * `reelflow video shorts <video run id>`: shorts cut from a transcribed long video, through the
 * API's own route in process (POST /v1/videos/:id/shorts: the same checks and errors), followed
 * with a progress bar, each finished short copied out as an MP4.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/index.js';
import type { HighlightsProgress } from '../../domain/highlights.js';
import { type HighlightsState, highlightsKind } from '../../runs/kinds/highlights.js';
import { formatClock } from '../../domain/timeline.js';
import { UsageError } from '../errors.js';
import { bar } from '../format.js';
import { poolRunThroughApi } from '../poolRunThroughApi.js';
import { createProgressLineView } from '../views/batchProgress.js';
import type { VideoFlags } from './video.js';

const CAPTIONS = ['pages', 'karaoke', 'none'] as const;

export async function cutShorts(videoId: string, flags: VideoFlags, loadConfig: () => Config): Promise<number> {
  const body: Record<string, unknown> = {};
  if (flags.count !== undefined) body.count = Number(flags.count);
  if (flags.length !== undefined) body.lengthSec = Number(flags.length);
  if (flags.captions !== undefined) {
    const style = flags.captions as (typeof CAPTIONS)[number];
    if (!CAPTIONS.includes(style)) throw new UsageError(`--captions is one of ${CAPTIONS.join(', ')}`, 'video');
    body.captions = style === 'none' ? false : { style };
  }
  return poolRunThroughApi(loadConfig(), {
    kind: highlightsKind,
    noun: 'shorts',
    path: `/v1/videos/${encodeURIComponent(videoId)}/shorts`,
    request: { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
    view: createProgressLineView<HighlightsState>((state) => shortsProgressLine(state?.progress)),
    startedLine: (id) => `Started ${id} (shorts from ${videoId})`,
    cancellingNote: (id) => `reelflow: asking Temporal to cancel ${id}…`,
    async done(status, storage) {
      const dir = path.resolve(flags.out ?? 'out');
      await mkdir(dir, { recursive: true });
      const saved = [];
      for (const short of status.result.shorts) {
        if (!short.videoRef) continue;
        const out = path.join(dir, `${status.id}-${short.index}.mp4`);
        await copyFile(storage.localPath(short.videoRef), out);
        saved.push({ ...short, out });
      }
      if (flags.json) {
        const { momentsRef: _m, ...rest } = status.result;
        const shorts = saved.map(({ videoRef: _v, ...s }) => s);
        process.stdout.write(`${JSON.stringify({ id: status.id, ...rest, shorts })}\n`);
        return 0;
      }
      process.stdout.write(`${status.result.summary} · picked by ${status.result.picker}\n`);
      for (const s of saved) {
        process.stdout.write(
          `  ${s.index}. ${formatClock(s.startSec)}–${formatClock(s.endSec)} ${s.title}\n     ${s.hook}\n     → ${s.out}\n`,
        );
      }
      for (const s of status.result.shorts.filter((x) => x.status === 'failed')) {
        process.stdout.write(
          `  ${s.index}. ${formatClock(s.startSec)}–${formatClock(s.endSec)} failed: ${s.error ?? ''}\n`,
        );
      }
      return 0;
    },
  });
}

/** "[██████░░░░] 1/3 shorts · 2 rendering · making", or the stage before the moments are picked. */
export function shortsProgressLine(progress: HighlightsProgress | undefined): string {
  if (!progress) return 'waiting for a worker to pick up the shorts…';
  const total = progress.shorts.length;
  if (total === 0) return `${progress.stage}: reading the transcript for its best moments…`;
  const count = (s: string) => progress.shorts.filter((x) => x.status === s).length;
  const done = count('succeeded') + count('failed');
  const busy = total - done - count('pending');
  return `${bar((done / total) * 100, 20)} ${done}/${total} shorts · ${busy} in the works · ${count('failed')} failed · ${progress.stage}`;
}
