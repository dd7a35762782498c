import { describe, expect, it } from 'vitest';
import { MIN_SCENE_SECONDS, buildTimeline } from '../src/domain/timeline.js';
import { buildRenderCommand } from '../src/media/renderGraph.js';

describe('buildTimeline', () => {
  const timeline = buildTimeline([3.2, 0.4, 5], 0.5, 30);

  it('overlaps neighbours by the transition and totals Σscene − (n−1)·t', () => {
    const sum = timeline.scenes.reduce((s, x) => s + x.durationSec, 0);
    expect(timeline.totalSec).toBeCloseTo(sum - 2 * 0.5, 3);
    expect(timeline.scenes[1]!.startSec).toBeCloseTo(timeline.scenes[0]!.durationSec - 0.5, 3);
  });

  it('gives every scene at least the minimum length, in whole frames', () => {
    for (const scene of timeline.scenes) {
      expect(scene.durationSec).toBeGreaterThanOrEqual(MIN_SCENE_SECONDS);
      expect(Math.abs(scene.durationSec * 30 - Math.round(scene.durationSec * 30))).toBeLessThan(0.01);
    }
  });

  it('never lets narration overlap a transition', () => {
    timeline.scenes.forEach((scene, i) => {
      const next = timeline.scenes[i + 1];
      if (i > 0) expect(scene.narrationStartSec).toBeGreaterThanOrEqual(scene.startSec + 0.5);
      if (next) expect(scene.narrationStartSec + scene.narrationDurationSec).toBeLessThanOrEqual(next.startSec);
    });
  });
});

describe('buildRenderCommand', () => {
  const timeline = buildTimeline([2, 2, 2], 0.5, 30);
  const scenes = timeline.scenes.map((timing, i) => ({ imagePath: `i${i}.png`, narrationPath: `n${i}.wav`, timing }));
  const base = { width: 1080, height: 1920, fps: 30, scenes, totalSec: timeline.totalSec, preset: 'veryfast' };

  it('cross-fades each tail into the next head and concatenates to exactly the timeline length', () => {
    const { filterGraph, inputs, outputOptions } = buildRenderCommand({
      ...base,
      transition: { type: 'crossfade', duration: 0.5 },
      captionsFile: 'c.ass',
    });
    expect(inputs).toHaveLength(6);
    expect(filterGraph).toContain('[tail0][head1]xfade=transition=fade:duration=0.5000:offset=0');
    expect(filterGraph).toContain('[tail1][head2]xfade=transition=fade:duration=0.5000:offset=0');
    expect(filterGraph).toContain('[body0][fade1][body1][fade2][body2]concat=n=5:v=1:a=0');
    // Frames that reach the concat: every body plus one transition's worth per fade.
    const bodies = [...filterGraph.matchAll(/\[b\d\]trim=start_frame=(\d+):end_frame=(\d+)/g)].map(
      (m) => Number(m[2]) - Number(m[1]),
    );
    expect(bodies.reduce((a, b) => a + b, 0) + 2 * 15).toBe(Math.round(timeline.totalSec * 30));
    expect(filterGraph).toContain(`adelay=${Math.round(timeline.scenes[2]!.narrationStartSec * 1000)}:all=1`);
    expect(filterGraph).toContain('ass=filename=c.ass');
    expect(outputOptions).toEqual(expect.arrayContaining(['+faststart', 'yuv420p', 'libx264', 'aac']));
  });

  it('uses a plain concat for cuts and no subtitle pass without captions', () => {
    const { filterGraph } = buildRenderCommand({ ...base, transition: { type: 'cut', duration: 0 } });
    expect(filterGraph).toContain('concat=n=3:v=1:a=0');
    expect(filterGraph).not.toContain('xfade');
    expect(filterGraph).not.toContain('ass=');
  });
});
