/**
 * Captions that stay exact across segment joins. libass shows an event on a frame when
 * start ≤ now < end, where `now` is the frame's time in whole milliseconds as ffmpeg's ass filter
 * computes it (pts × time base × 1000, truncated) and event times are whole centiseconds. In the
 * one-pass render the frames reach the ass filter through the concat filter, whose timestamps are
 * microseconds with its own rounding (ffmpeg 5.1: each part's end is its last timestamp × n/(n−1)).
 *
 * A segment burns the events visible on its frames, shifted to the segment's start by a whole number
 * of centiseconds S, and gives each frame the timestamp whose `now` is exactly the one-pass `now`
 * less S (µs rounding quirks included: ffmpeg reads ~28 % of whole-millisecond µs timestamps a
 * millisecond early, and so must we). Every frame then sees the same events at the same
 * `now − start`, so the same pixels, karaoke fills included. An event that spans a join goes into
 * both segments, each showing its own frames of it.
 */
import type { SegmentLayout } from './segments.js';

const US = 1_000_000;

/** av_rescale_rnd(a, b, c, AV_ROUND_NEAR_INF) for non-negative integers. */
function rescale(a: number, b: number, c: number): number {
  return Number((BigInt(a) * BigInt(b) + BigInt(c) / 2n) / BigInt(c));
}

/** How long the concat filter holds a part of `frames` frames at `fps` (µs): mean frame duration. */
function concatSpanUs(frames: number, fps: number): number {
  if (frames < 2) return 0;
  return rescale(rescale(frames - 1, US, fps), frames, frames - 1);
}

/**
 * The clock the one-pass ass filter reads for one segment's frames: `frame` for a one-scene short
 * (time base 1/fps, pts = frame number), else `concat` (time base 1 µs, pts = originUs + frame's µs).
 */
export type SegmentClock = { kind: 'frame' } | { kind: 'concat'; originUs: number };

export function onePassClocks(layouts: SegmentLayout[], fps: number): SegmentClock[] {
  if (layouts.length === 1) return [{ kind: 'frame' }];
  let origin = 0;
  return layouts.map((s) => {
    const clock: SegmentClock = { kind: 'concat', originUs: origin };
    origin += concatSpanUs(s.frames, fps);
    return clock;
  });
}

/** The pts of frame `m` of a segment on `clock`, in its time base. */
function ptsOf(clock: SegmentClock, m: number, fps: number): number {
  return clock.kind === 'frame' ? m : clock.originUs + rescale(m, US, fps);
}

/** `now` as vf_subtitles computes it: pts × av_q2d(time base) × 1000, truncated to an integer. */
function assNowMs(pts: number, timeBaseDen: number): number {
  return Math.trunc(pts * (1 / timeBaseDen) * 1000);
}

interface AssEvent {
  startMs: number;
  endMs: number;
  line: string;
}

export interface SegmentCaptions {
  /** The ASS script to burn: the full script's header and the segment's events, shifted. */
  script: string;
  /** ffmpeg filters before `ass`: the frames' one-pass timestamps, less the shift. */
  clockFilters: string[];
}

/**
 * What segment `segment` burns of `ass` (the whole short's script): undefined when no event shows
 * on any of its frames, so it needs no subtitle pass at all.
 */
export function segmentCaptions(
  ass: string,
  layouts: SegmentLayout[],
  segment: number,
  fps: number,
): SegmentCaptions | undefined {
  const { header, events } = parseAss(ass);
  const layout = layouts[segment]!;
  const clock = onePassClocks(layouts, fps)[segment]!;
  const den = clock.kind === 'frame' ? fps : US;
  const nows = Array.from({ length: layout.frames }, (_, m) => ptsOf(clock, m, fps));
  const nowMs = nows.map((p) => assNowMs(p, den));
  const shown = events.filter((e) => nowMs.some((t) => e.startMs <= t && t < e.endMs));
  if (!shown.length) return undefined;
  if (clock.kind === 'frame') return { script: assScript(header, shown, 0), clockFilters: [] };

  // Shift by whole centiseconds to just before the segment's first frame or its earliest event.
  const shiftMs = Math.floor(Math.min(nowMs[0]!, ...shown.map((e) => e.startMs)) / 10) * 10;
  // A time base of 1/1024 s holds every millisecond exactly (pts × 1000/1024 is a short binary
  // fraction), so the ass filter reads back exactly the one-pass `now` less the shift, quirks of the
  // µs arithmetic included; the expression redoes that arithmetic in the same doubles.
  nowMs.forEach((t, m) => {
    const pts = Math.ceil(((t - shiftMs) * 1024) / 1000);
    if (assNowMs(pts, 1024) !== t - shiftMs) throw new Error(`caption clock cannot hold frame ${m} (${t} ms)`);
  });
  const onePassNow = `trunc((${clock.originUs}+round(N*${US}/${fps}))*0.000001*1000)`;
  return {
    script: assScript(header, shown, shiftMs / 10),
    clockFilters: ['settb=1/1024', `setpts=ceil((${onePassNow}-${shiftMs})*1024/1000)`],
  };
}

const DIALOGUE = /^(Dialogue:\s*[^,]*,)(\d+):(\d\d):(\d\d)\.(\d\d),(\d+):(\d\d):(\d\d)\.(\d\d),(.*)$/;

function parseAss(ass: string): { header: string[]; events: AssEvent[] } {
  const header: string[] = [];
  const events: AssEvent[] = [];
  for (const line of ass.split('\n')) {
    const m = DIALOGUE.exec(line);
    if (!m) {
      if (line.startsWith('Dialogue:')) throw new Error(`unreadable caption event: ${line.slice(0, 80)}`);
      header.push(line);
      continue;
    }
    const cs = (h: string, mi: string, s: string, c: string) =>
      ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 100 + Number(c);
    events.push({ startMs: cs(m[2]!, m[3]!, m[4]!, m[5]!) * 10, endMs: cs(m[6]!, m[7]!, m[8]!, m[9]!) * 10, line });
  }
  while (header.at(-1) === '') header.pop();
  return { header, events };
}

function assScript(header: string[], events: AssEvent[], shiftCs: number): string {
  const lines = events.map((e) => {
    const m = DIALOGUE.exec(e.line)!;
    return `${m[1]}${assTime(e.startMs / 10 - shiftCs)},${assTime(e.endMs / 10 - shiftCs)},${m[10]}`;
  });
  return [...header, ...lines, ''].join('\n');
}

function assTime(cs: number): string {
  const h = Math.floor(cs / 360000);
  const m = Math.floor((cs % 360000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}
