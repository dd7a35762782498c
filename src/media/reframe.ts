/**
 * Where a 9:16 window goes in a wider moment: over what moves. A short cut from a talk or an
 * interview has its speaker off centre as often as not, and what moves (a face, hands, a body) is
 * where the eye is, while the background stands still. So the moment is sampled small and grey
 * (2 frames a second, 160 columns), every column scored by how many of its pixels change between
 * samples, and the window with the most change wins, fixed for the whole moment (a crop that
 * pans with every gesture would jitter). Still pictures, or motion spread evenly, keep the
 * centre: the window must hold clearly more change than the centre one does.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type MediaTools, runFfmpeg } from './ffmpeg.js';

export interface Framing {
  /** `subject`: over what moves; `centre`: nothing moves enough, or evenly. */
  mode: 'subject' | 'centre';
  /** Where the window's left edge sits, 0 (far left) to 1 (far right) of the room it has. */
  x: number;
}

const COLUMNS = 160;
const SAMPLES_PER_SEC = 2;
/** A grey level must change by more than this to count (compression noise stays under it). */
const CHANGE_LEVEL = 12;
/** The best window must hold this much more change than the centre one to move the crop. */
const BETTER_THAN_CENTRE = 1.5;
/** And at least this share of its pixels must change over the moment: a still picture stays centred. */
const MIN_CHANGED_SHARE = 0.002;

export const CENTRE: Framing = { mode: 'centre', x: 0.5 };

/**
 * The framing of a window `windowShare` of the picture's width wide (9:16 of a 16:9 picture: 0.316)
 * over `durationSec` from `startSec`.
 */
export async function findFraming(
  tools: MediaTools,
  source: string,
  cut: { startSec: number; durationSec: number; width: number; height: number; signal?: AbortSignal },
): Promise<Framing> {
  const windowShare = (cut.height * 9) / 16 / cut.width;
  if (windowShare >= 1) return CENTRE;
  const rows = Math.max(2, Math.round((COLUMNS * cut.height) / cut.width / 2) * 2);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reframe-'));
  try {
    const raw = path.join(dir, 'frames.gray');
    await runFfmpeg(tools, {
      inputs: [{ path: source, options: ['-ss', cut.startSec.toFixed(3), '-t', cut.durationSec.toFixed(3)] }],
      filterGraph: `[0:v:0]fps=${SAMPLES_PER_SEC},scale=${COLUMNS}:${rows},format=gray[v]`,
      outputOptions: ['-map', '[v]', '-f', 'rawvideo'],
      output: raw,
      signal: cut.signal,
    });
    return framingOf(await readFile(raw), COLUMNS, rows, windowShare);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The framing from grey frames (`columns` × `rows` bytes each, back to back). Pure, for tests. */
export function framingOf(frames: Buffer, columns: number, rows: number, windowShare: number): Framing {
  const size = columns * rows;
  const count = Math.floor(frames.length / size);
  const change = new Float64Array(columns);
  for (let f = 1; f < count; f++) {
    const now = f * size;
    const before = now - size;
    for (let i = 0; i < size; i++) {
      if (Math.abs(frames[now + i]! - frames[before + i]!) > CHANGE_LEVEL) change[i % columns]! += 1;
    }
  }
  const span = Math.max(1, Math.round(columns * windowShare));
  const room = columns - span;
  const sumAt = (left: number) => change.slice(left, left + span).reduce((a, b) => a + b, 0);
  const centre = sumAt(Math.round(room / 2));
  const sums = Array.from({ length: room + 1 }, (_, left) => sumAt(left));
  const most = Math.max(...sums);
  const found = sums.indexOf(most);
  // Centred on the change it holds (its centroid), so the subject sits in the middle, not at an edge.
  let weighted = 0;
  for (let x = found; x < found + span; x++) weighted += x * change[x]!;
  const centroid = most > 0 ? weighted / most : found + span / 2;
  const best = { left: Math.min(room, Math.max(0, Math.round(centroid - span / 2))), sum: most };
  const pixels = span * rows * Math.max(1, count - 1);
  if (best.sum < pixels * MIN_CHANGED_SHARE || best.sum < centre * BETTER_THAN_CENTRE) return CENTRE;
  return { mode: 'subject', x: room === 0 ? 0.5 : best.left / room };
}
