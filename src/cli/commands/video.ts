import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/index.js';
import { type VideoState, videoKind } from '../../runs/kinds/video.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { UsageError } from '../errors.js';
import { poolRunThroughApi } from '../poolRunThroughApi.js';
import { createProgressLineView } from '../views/batchProgress.js';
import { requestBody, videoProgressLine } from './videoRequest.js';
import { findScenes } from './videoScenes.js';
import { cutShorts } from './videoShorts.js';

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  'chunk-minutes': { type: 'string' },
  language: { type: 'string' },
  strict: { type: 'boolean' },
  count: { type: 'string' },
  length: { type: 'string' },
  captions: { type: 'string' },
  describe: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const USAGE = `Usage: reelflow video transcribe <file|url> [options]
       reelflow video scenes <file|url> [--describe] [--chunk-minutes N] [-o DIR]
       reelflow video shorts <video run id> [--count N] [--length S] [--captions S] [-o DIR]

Transcribes a long video or recording on the Replicate key pool: its audio is cut into chunks at
silences (stream copy, no re-encoding), every chunk is transcribed at once (WhisperX, word
timings, language detected), and one timeline is merged from them. A file is uploaded to the
service; an http(s) URL is fetched by its SSRF-safe fetcher. Starts a local Temporal dev server
and an in-process worker when none are running. Needs Replicate keys (or \`reelflow emulator\`).

Options:
  -o, --out <path>           Where to save the transcript (default ./out/<run id>.<format>)
  --format <srt|vtt|json>    The transcript's format (default srt)
  --chunk-minutes <n>        Minutes per chunk, 1 to 60 (default 20)
  --language <code>          The spoken language (en, ru, zh, ko, ja, …); detected when unset
  --strict                   Fail when a chunk fails for good (default: finish without it)

\`scenes\` finds the scene changes of a video locally (ffmpeg, in chunks at once) and saves
scenes.json and a JPEG still per scene in DIR (default ./out/<run id>):
  --describe                 Describe each still with a vision model on the key pool (LLaVA)

\`shorts\` cuts vertical, captioned shorts from the best moments of a transcribed video (the LLM
picks them from the transcript, with a reason and a hook each; the densest talk without one):
  --count <n>                How many shorts, 1 to 10 (default 3)
  --length <seconds>         About how long each, 5 to 90 (default 30)
  --captions <style>         pages, karaoke or none (default pages)
  -o, --out <dir>            Where to save the MP4s (default ./out)

  --json                     Print the result as JSON
  -h, --help                 Show this help

Exit codes: 0 saved, 1 the run failed or was refused, 2 bad usage, 130 cancelled.
`;

export type VideoFlags = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};
const FORMATS = ['srt', 'vtt', 'json'] as const;

export const video: Command = defineCommand({
  name: 'video',
  usage: USAGE,
  options: OPTIONS,
  positionals: 'rest',
  async run({ values, positionals, config }) {
    const [task, source, ...extra] = positionals;
    if (task !== 'transcribe' && task !== 'scenes' && task !== 'shorts')
      throw new UsageError(
        'the task is "transcribe", "scenes" or "shorts": reelflow video transcribe|scenes <file|url>, reelflow video shorts <video run id>',
        'video',
      );
    if (!source)
      throw new UsageError(
        task === 'shorts' ? "name the transcribed video's run id" : 'name the video: a file or an http(s) URL',
        'video',
      );
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`, 'video');
    const flags = values as VideoFlags;
    if (task === 'shorts') return cutShorts(source, flags, config);
    if (task === 'scenes') return findScenes(source, flags, config);
    const format = (flags.format ?? 'srt') as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`--format is one of ${FORMATS.join(', ')}`, 'video');
    return transcribe(source, flags, format, config);
  },
});

async function transcribe(
  source: string,
  flags: VideoFlags,
  format: (typeof FORMATS)[number],
  loadConfig: () => Config,
) {
  const request = await requestBody(source, flags);
  return poolRunThroughApi(loadConfig(), {
    kind: videoKind,
    noun: 'video',
    needsKeys: 'Long videos are transcribed on Replicate',
    path: '/v1/videos',
    request,
    view: createProgressLineView<VideoState>((state) => videoProgressLine(state?.progress)),
    startedLine: (id) => `Started ${id}`,
    cancellingNote: (id) => `reelflow: asking Temporal to cancel ${id}; every chunk's prediction is cancelled too…`,
    async done(status, storage) {
      const r = status.result;
      const out = path.resolve(flags.out ?? path.join('out', `${status.id}.${format}`));
      await mkdir(path.dirname(out), { recursive: true });
      await copyFile(storage.localPath(r.files[format]!), out);
      if (flags.json) {
        const { files: _files, ...rest } = r;
        process.stdout.write(`${JSON.stringify({ id: status.id, out, ...rest })}\n`);
      } else {
        process.stdout.write(
          `Saved ${out} · ${r.summary} · ${r.words} words, language ${r.language}` +
            `${r.costUsd !== undefined ? ` · $${r.costUsd}` : ''}\n`,
        );
      }
      return 0;
    },
  });
}
