/**
 * The ffprobe readings the segmented render checks: a video stream's encoder parameters (the SPS/PPS
 * hash among them) that must match for a stream-copy join, the timestamps of its packets, and the
 * comment a finished join carries. Reads packets only, never decodes: cheap enough for every join.
 */
import { execFile } from 'node:child_process';
import type { MediaTools } from '../ffmpeg.js';

function ffprobe(tools: MediaTools, args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      tools.ffprobe,
      ['-hide_banner', '-v', 'error', ...args],
      { signal, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(
              `ffprobe ${args.at(-1)} failed: ${stderr.trim().split('\n').slice(-3).join(' | ') || err.message}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

/** What a stream-copy join needs to be equal in every part: one SPS/PPS, one size, rate and time base. */
export interface VideoParams {
  codec: string;
  profile: string;
  level: number;
  width: number;
  height: number;
  pixelFormat: string;
  timeBase: string;
  frameRate: string;
  /** SHA-256 of the codec's extradata (the avcC box: SPS and PPS). */
  extradata: string;
}

export async function videoParams(tools: MediaTools, file: string): Promise<VideoParams> {
  const out = await ffprobe(tools, [
    '-select_streams',
    'v:0',
    '-show_data_hash',
    'sha256',
    '-show_entries',
    'stream=codec_name,profile,level,width,height,pix_fmt,time_base,r_frame_rate,extradata_hash',
    '-of',
    'json',
    file,
  ]);
  const s = ((JSON.parse(out) as { streams?: Record<string, string | number>[] }).streams ?? [])[0];
  if (!s) throw new Error(`${file} has no video stream`);
  return {
    codec: String(s.codec_name ?? ''),
    profile: String(s.profile ?? ''),
    level: Number(s.level ?? 0),
    width: Number(s.width ?? 0),
    height: Number(s.height ?? 0),
    pixelFormat: String(s.pix_fmt ?? ''),
    timeBase: String(s.time_base ?? ''),
    frameRate: String(s.r_frame_rate ?? ''),
    extradata: String(s.extradata_hash ?? ''),
  };
}

export interface PacketTimes {
  /** The stream's time base as [num, den]. */
  timeBase: [number, number];
  /** Presentation timestamps of every video packet, in file order, in the time base. */
  pts: number[];
}

export async function videoPacketTimes(tools: MediaTools, file: string, signal?: AbortSignal): Promise<PacketTimes> {
  const out = await ffprobe(
    tools,
    ['-select_streams', 'v:0', '-show_entries', 'stream=time_base:packet=pts', '-of', 'json', file],
    signal,
  );
  const data = JSON.parse(out) as { streams?: { time_base?: string }[]; packets?: { pts?: number | string }[] };
  const [num, den] = (data.streams?.[0]?.time_base ?? '0/0').split('/').map(Number);
  return { timeBase: [num ?? 0, den ?? 0], pts: (data.packets ?? []).map((p) => Number(p.pts)) };
}

/**
 * Where presentation times fail to step by exactly one frame (sorted: B-frames come out of order):
 * a duplicated, missing or shifted frame. Empty for a clean stream.
 */
export function timestampFaults({ timeBase: [num, den], pts }: PacketTimes, fps: number): string[] {
  const step = den / (num * fps);
  const sorted = [...pts].sort((a, b) => a - b);
  const faults: string[] = [];
  if (!Number.isInteger(step)) return [`the time base ${num}/${den} holds no whole frame at ${fps} fps`];
  if (sorted.some((p) => !Number.isFinite(p))) faults.push('a packet has no timestamp');
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i]! - sorted[i - 1]!;
    if (gap !== step) faults.push(`frame ${i} follows frame ${i - 1} after ${gap} ticks instead of ${step}`);
  }
  return faults;
}

export async function formatComment(tools: MediaTools, file: string): Promise<string | undefined> {
  const out = await ffprobe(tools, ['-show_entries', 'format_tags=comment', '-of', 'json', file]);
  return (JSON.parse(out) as { format?: { tags?: { comment?: string } } }).format?.tags?.comment;
}
