/**
 * Scene timing, shared by the workflow (to report it) and the renderer (to build the graph).
 * A scene lasts its narration plus padding; consecutive scenes overlap by the transition, and each
 * narration starts a little after its scene appears and ends before the next transition begins, so
 * speech never overlaps across a cross-fade.
 */
export const MIN_SCENE_SECONDS = 2;
export const NARRATION_LEAD_SECONDS = 0.25;
export const NARRATION_TAIL_SECONDS = 0.35;

export interface SceneTiming {
  index: number;
  /** When the scene starts to appear (its transition in begins). */
  startSec: number;
  durationSec: number;
  /** When its narration starts on the final timeline. */
  narrationStartSec: number;
  narrationDurationSec: number;
}

export interface Timeline {
  scenes: SceneTiming[];
  totalSec: number;
  transitionSec: number;
}

/** Durations are whole frames at `fps`, so the renderer and the reported timeline agree exactly. */
export function buildTimeline(narrationSeconds: number[], transitionSec: number, fps: number): Timeline {
  const scenes: SceneTiming[] = [];
  let start = 0;
  narrationSeconds.forEach((narration, index) => {
    const lead = leadOf(index, transitionSec);
    const duration = sceneSeconds(index, narration, transitionSec, fps);
    scenes.push({
      index,
      startSec: round3(start),
      durationSec: duration,
      narrationStartSec: round3(start + lead),
      narrationDurationSec: round3(narration),
    });
    start += duration - transitionSec;
  });
  const last = scenes.at(-1);
  const totalSec = last ? round3(last.startSec + last.durationSec) : 0;
  return { scenes, totalSec, transitionSec };
}

/**
 * How long scene `index` lasts on screen for a narration of `narrationSec`, transitions included:
 * known as soon as its own narration is, so a video scene can order a clip of the right length
 * before the other scenes are narrated.
 */
export function sceneSeconds(index: number, narrationSec: number, transitionSec: number, fps: number): number {
  const toFrames = (sec: number) => Math.ceil(sec * fps - 1e-6) / fps;
  const lead = leadOf(index, transitionSec);
  return round3(toFrames(Math.max(MIN_SCENE_SECONDS, lead + narrationSec + transitionSec + NARRATION_TAIL_SECONDS)));
}

function leadOf(index: number, transitionSec: number): number {
  return index === 0 ? NARRATION_LEAD_SECONDS : transitionSec + NARRATION_LEAD_SECONDS / 2;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** `m:ss` of a time in a long video, for tables and progress lines. */
export function formatClock(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
}
