/**
 * The short as segments that any render worker can encode on its own and a stream copy can join:
 * each scene's body, and each transition (the outgoing scene's tail over the incoming scene's head),
 * in the order they play: body 0, transition 1, body 1, …, body n−1. A cut (or a 0 s transition) has
 * bodies only. Pure and deterministic: the workflow can import it to know how many segments a short
 * has (segmentCount); it imports nothing but types.
 */
import type { TransitionType } from '../../domain/shortRequest.js';
import type { SceneTiming } from '../../domain/timeline.js';

/** Frames [from, to) of one scene. */
export interface ScenePart {
  scene: number;
  from: number;
  to: number;
}

export interface SegmentLayout {
  index: number;
  kind: 'body' | 'transition';
  /** Its first frame on the short's timeline. */
  startFrame: number;
  frames: number;
  /** A body: one part. A transition: the outgoing scene's tail, then the incoming scene's head. */
  parts: ScenePart[];
}

export interface SegmentTimingInput {
  fps: number;
  transition: { type: TransitionType; duration: number };
  timeline: { scenes: Pick<SceneTiming, 'durationSec'>[] };
}

/** Frames of a scene: its duration is whole frames at `fps` (see buildTimeline). */
export function sceneFrameCount(timing: Pick<SceneTiming, 'durationSec'>, fps: number): number {
  return Math.round(timing.durationSec * fps);
}

/** Frames of a transition's overlap; 0 for a cut. */
export function transitionFrames(input: Pick<SegmentTimingInput, 'fps' | 'transition'>): number {
  if (input.transition.type === 'cut' || input.transition.duration === 0) return 0;
  return Math.round(input.transition.duration * input.fps);
}

export function segmentLayouts(input: SegmentTimingInput): SegmentLayout[] {
  const frames = input.timeline.scenes.map((s) => sceneFrameCount(s, input.fps));
  const n = frames.length;
  const T = n > 1 ? transitionFrames(input) : 0;
  const out: SegmentLayout[] = [];
  let at = 0;
  const push = (kind: SegmentLayout['kind'], parts: ScenePart[], count: number) => {
    out.push({ index: out.length, kind, startFrame: at, frames: count, parts });
    at += count;
  };
  frames.forEach((F, i) => {
    if (i > 0 && T > 0) {
      push(
        'transition',
        [
          { scene: i - 1, from: frames[i - 1]! - T, to: frames[i - 1]! },
          { scene: i, from: 0, to: T },
        ],
        T,
      );
    }
    const from = i > 0 ? T : 0;
    const to = i < n - 1 ? F - T : F;
    if (to <= from) throw new Error(`scene ${i + 1} is shorter than its transitions`);
    push('body', [{ scene: i, from, to }], to - from);
  });
  return out;
}

/** How many segments the short has: renderSegment takes `segment` from 0 to this − 1. */
export function segmentCount(input: SegmentTimingInput): number {
  const n = input.timeline.scenes.length;
  return n > 1 && transitionFrames(input) > 0 ? 2 * n - 1 : n;
}

/** The segments that show scene `scene`: its body and the transitions into and out of it. */
export function segmentsOfScene(layouts: SegmentLayout[], scene: number): number[] {
  return layouts.filter((s) => s.parts.some((p) => p.scene === scene)).map((s) => s.index);
}
