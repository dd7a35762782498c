/**
 * What the `reelflow video` tasks that send a video share: the request (a file as a multipart
 * upload, a URL as JSON) and the progress line of its chunks.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LongVideoProgress } from '../../domain/longVideo.js';
import { UsageError } from '../errors.js';
import { bar } from '../format.js';
import type { VideoFlags } from './video.js';

/** "[██████░░░░] 2/3 chunks · 1 running · 0 failed", or the stage before the chunks exist. */
export function videoProgressLine(progress: LongVideoProgress | undefined): string {
  if (!progress) return 'waiting for a worker to pick up the video…';
  const total = progress.chunks.length;
  if (total === 0) return `${progress.stage}: probing and cutting the video into chunks…`;
  const count = (s: string) => progress.chunks.filter((c) => c.status === s).length;
  const done = count('succeeded') + count('failed');
  return `${bar((done / total) * 100, 20)} ${done}/${total} chunks · ${count('running')} running · ${count('failed')} failed · ${progress.stage}`;
}

/** A file goes up as a multipart upload, a URL as JSON; `task` and its options beside the common ones. */
export async function requestBody(
  source: string,
  flags: VideoFlags,
  extraFields: Record<string, string | number | boolean> = {},
): Promise<{ body: FormData | string; headers?: Record<string, string> }> {
  const fields: Record<string, string | number | boolean> = { ...extraFields };
  if (flags['chunk-minutes'] !== undefined) fields.chunkMinutes = Number(flags['chunk-minutes']);
  if (flags.language) fields.language = flags.language;
  if (flags.strict) fields.strict = true;
  if (/^https?:\/\//i.test(source)) {
    return { body: JSON.stringify({ url: source, ...fields }), headers: { 'content-type': 'application/json' } };
  }
  const bytes = await readFile(source).catch(() => {
    throw new UsageError(`cannot read the video file ${source}`, 'video');
  });
  const form = new FormData();
  form.append('file', new Blob([bytes]), path.basename(source));
  for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
  return { body: form };
}
