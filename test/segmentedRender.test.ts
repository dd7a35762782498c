import { MockActivityEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPipelineActivities, createRenderQueueActivities } from '../src/activities/index.js';
import type { RenderShortInput, RenderedSegment } from '../src/activities/render.js';
import { buildTimeline } from '../src/domain/timeline.js';
import { onePassClocks, segmentCaptions } from '../src/media/render/captionClock.js';
import { makePlaceholderClip } from '../src/media/render/placeholderClip.js';
import { timestampFaults, videoPacketTimes, videoParams } from '../src/media/render/probe.js';
import { segmentCount, segmentLayouts, segmentsOfScene } from '../src/media/render/segments.js';
import { buildRenderCommand } from '../src/media/renderGraph.js';
import { LocalStorage, runKeys } from '../src/storage/index.js';
import { typedRunner } from './support/activityEnv.js';
import { prepareRender } from './support/renderFixture.js';
import { offlineDeps, tempDataDir, tools } from './support/temporal.js';

const STORY =
  'A girl found a kite in the attic. She ran with it up the green hill. The wind lifted it over the trees. ' +
  'The string slipped from her hand. Far away, a boy caught it and waved.';
const FPS = 30;
const T = 15;
const execute = promisify(execFile);

describe('segment layout', () => {
  const timeline = buildTimeline([2, 2.5, 1.2, 3], 0.5, FPS);
  const frames = Math.round(timeline.totalSec * FPS);

  it('bodies and transitions in playing order add up to the timeline; a cut has bodies only', () => {
    const layouts = segmentLayouts({ fps: FPS, transition: { type: 'crossfade', duration: 0.5 }, timeline });
    expect(layouts.map((s) => s.kind)).toEqual([
      'body',
      'transition',
      'body',
      'transition',
      'body',
      'transition',
      'body',
    ]);
    expect(layouts.reduce((sum, s) => sum + s.frames, 0)).toBe(frames);
    layouts.forEach((s, i) => i > 0 && expect(s.startFrame).toBe(layouts[i - 1]!.startFrame + layouts[i - 1]!.frames));
    expect(layouts.filter((s) => s.kind === 'transition').every((s) => s.frames === T)).toBe(true);
    expect(segmentsOfScene(layouts, 2)).toEqual([3, 4, 5]);
    expect(segmentCount({ fps: FPS, transition: { type: 'crossfade', duration: 0.5 }, timeline })).toBe(7);
    const cut = {
      fps: FPS,
      transition: { type: 'cut' as const, duration: 0 },
      timeline: buildTimeline([2, 2.5, 1.2, 3], 0, FPS),
    };
    expect(segmentLayouts(cut).map((s) => s.kind)).toEqual(['body', 'body', 'body', 'body']);
    expect(segmentCount(cut)).toBe(4);
  });

  it("models the timestamps the one-pass render's caption filter sees (ffmpeg's concat, measured)", async () => {
    const dir = await tempDataDir();
    const image = path.join(dir, 'still.png');
    await execute('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=90x160', '-frames:v', '1', image]);
    await writeFile(path.join(dir, 'c.ass'), '[Script Info]\nScriptType: v4.00+\n');
    const command = buildRenderCommand({
      width: 90,
      height: 160,
      fps: FPS,
      transition: { type: 'crossfade', duration: 0.5 },
      scenes: timeline.scenes.map((timing) => ({ imagePath: image, timing, narrationPath: image })),
      totalSec: timeline.totalSec,
      captionsFile: 'c.ass',
      soundtrackPath: 'unused.wav',
      preset: 'ultrafast',
      exactFrames: true,
    });
    const graph = command.filterGraph.replace('[vjoined]ass=filename=c.ass[vout]', '[vjoined]showinfo[vout]');
    const stills = command.inputs.slice(0, timeline.scenes.length); // the soundtrack is not read here
    const args = [
      ...stills.flatMap((i) => ['-i', i.path]),
      '-filter_complex',
      graph,
      '-map',
      '[vout]',
      '-f',
      'null',
      '-',
    ];
    const { stderr } = await execute('ffmpeg', ['-hide_banner', '-nostats', ...args], { cwd: dir, maxBuffer: 1 << 26 });
    const measured = [...stderr.matchAll(/n:\s*\d+ pts:\s*(\d+)/g)].map((m) => Number(m[1]));
    const layouts = segmentLayouts({ fps: FPS, transition: { type: 'crossfade', duration: 0.5 }, timeline });
    const clocks = onePassClocks(layouts, FPS);
    const modelled = layouts.flatMap((s, j) => {
      const clock = clocks[j]!;
      if (clock.kind !== 'concat') throw new Error('a many-scene short is on the concat clock');
      return Array.from({ length: s.frames }, (_, m) => clock.originUs + Math.round((m * 1e6) / FPS));
    });
    expect(measured).toEqual(modelled);
  });

  it('a cue spanning a join goes into both segments, shifted by whole centiseconds; a segment without cues burns none', () => {
    const cut = {
      fps: FPS,
      transition: { type: 'cut' as const, duration: 0 },
      timeline: buildTimeline([2, 2.5, 1.2], 0, FPS),
    };
    const layouts = segmentLayouts(cut);
    const join = layouts[1]!.startFrame / FPS; // scene 2 starts here
    const ass = [
      '[Script Info]',
      'PlayResX: 90',
      '',
      '[Events]',
      'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
      'Dialogue: 0,0:00:00.30,0:00:01.00,Caption,,0,0,0,,first',
      `Dialogue: 0,0:00:0${(join - 0.5).toFixed(2)},0:00:0${(join + 0.7).toFixed(2)},Caption,,0,0,0,,across, the join`,
      '',
    ].join('\n');
    const first = segmentCaptions(ass, layouts, 0, FPS)!;
    const second = segmentCaptions(ass, layouts, 1, FPS)!;
    expect(segmentCaptions(ass, layouts, 2, FPS)).toBeUndefined();
    expect(first.script).toContain('first');
    expect(first.script).toContain('across, the join');
    expect(second.script).not.toContain('first');
    const [, start, end] = /Dialogue: 0,(\S+?),(\S+?),Caption,,0,0,0,,across, the join/.exec(second.script)!;
    const cs = (t: string) => Math.round(Number(t.split(':')[2]) * 100);
    // Shifted to just before its own start (it began in the segment before), same length.
    expect(cs(start!)).toBeLessThan(10);
    expect(cs(end!) - cs(start!)).toBe(120);
    // The frames' one-pass caption clock (µs from the segment's origin), less the shift, in 1/1024 s.
    expect(second.clockFilters).toEqual([
      'settb=1/1024',
      expect.stringMatching(
        /^setpts=ceil\(\(trunc\(\(\d+\+round\(N\*1000000\/30\)\)\*0\.000001\*1000\)-\d+\)\*1024\/1000\)$/,
      ),
    ]);
    expect(second.script.startsWith('[Script Info]\nPlayResX: 90\n\n[Events]\nFormat:')).toBe(true);
  });
});

describe('the segmented render', () => {
  let dataDir: string;
  let storage: LocalStorage;
  let run: ReturnType<typeof typedRunner>;
  let input: RenderShortInput;
  let activities: ReturnType<typeof createRenderQueueActivities>;
  let encodeLog: string;

  /** ffmpeg behind a script that logs every call (its directory and arguments), so a test can count encodes. */
  async function countingFfmpeg(dir: string): Promise<string> {
    const script = path.join(dir, 'ffmpeg-counting.sh');
    encodeLog = path.join(dir, 'ffmpeg-calls.log');
    await writeFile(
      script,
      `#!/bin/sh\n{ printf 'CALL %s\\n' "$PWD"; for a in "$@"; do printf 'ARG %s\\n' "$a"; done; } >> '${encodeLog}'\nexec ffmpeg "$@"\n`,
    );
    await chmod(script, 0o755);
    return script;
  }

  /** The x264 encodes since the last call: where each ran, its arguments and the frames it wrote. */
  async function takeEncodes(): Promise<{ cwd: string; args: string[]; frames: number }[]> {
    const log = await readFile(encodeLog, 'utf8').catch(() => '');
    await writeFile(encodeLog, '');
    return log
      .split(/^CALL /m)
      .filter(Boolean)
      .map((call) => {
        const [cwd, ...lines] = call.split('\n');
        const args = lines.filter((l) => l.startsWith('ARG ')).map((l) => l.slice(4));
        const frames = args.indexOf('-frames:v');
        return { cwd: cwd!, args, frames: frames >= 0 ? Number(args[frames + 1]) : NaN };
      })
      .filter((c) => c.args.includes('libx264'));
  }

  /** The MD5 of every frame an encode's filter graph makes, before any encoder sees it. */
  async function graphFrames({ cwd, args }: { cwd: string; args: string[] }): Promise<string[]> {
    const graph = args.indexOf('-filter_complex');
    const replay = [...args.slice(0, graph + 2), '-map', '[vout]', '-f', 'framemd5', '-'];
    const { stdout } = await execute('ffmpeg', replay, { cwd, maxBuffer: 1 << 26 });
    return stdout
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(',').at(-1)!.trim());
  }

  async function renderAllSegments(short: RenderShortInput): Promise<RenderedSegment[]> {
    const out: RenderedSegment[] = [];
    for (let segment = 0; segment < segmentCount(short); segment++) {
      out.push(await run(activities.renderSegment, { ...short, segment }));
    }
    return out;
  }

  /** Every frame of a video as grey pixels at 270×480. */
  async function greyFrames(file: string): Promise<Buffer[]> {
    const { stdout } = await execute(
      'ffmpeg',
      ['-v', 'error', '-i', file, '-vf', 'scale=270:480,format=gray', '-f', 'rawvideo', '-'],
      {
        encoding: 'buffer',
        maxBuffer: 1 << 30,
      },
    );
    const size = 270 * 480;
    return Array.from({ length: stdout.length / size }, (_, i) => stdout.subarray(i * size, (i + 1) * size));
  }

  /**
   * The largest mean difference of any 10×10 block: encoder noise stays in single digits, while a
   * caption shown on one side only, or motion one frame apart, stands far above (measured 10–90).
   */
  function worstBlock(a: Buffer, b: Buffer, width = 270, block = 10): number {
    let worst = 0;
    for (let y = 0; y + block <= a.length / width; y += block) {
      for (let x = 0; x + block <= width; x += block) {
        let sum = 0;
        for (let r = y; r < y + block; r++)
          for (let c = x; c < x + block; c++) sum += Math.abs(a[r * width + c]! - b[r * width + c]!);
        worst = Math.max(worst, sum / (block * block));
      }
    }
    return worst;
  }

  beforeAll(async () => {
    dataDir = await tempDataDir();
    storage = new LocalStorage(dataDir);
    const deps = offlineDeps(dataDir, { tools: { ...tools, ffmpeg: await countingFfmpeg(dataDir) } });
    run = typedRunner(new MockActivityEnvironment());
    const fixture = await prepareRender(run, deps, { runKey: 'seg', story: STORY, sceneCount: 5 });
    activities = createRenderQueueActivities(deps);
    const clipRef = (i: number) => `runs/seg/scene-0${i + 1}/clip.mp4`;
    await makePlaceholderClip(tools, storage.localPath(clipRef(0)), {
      width: 720,
      height: 1280,
      fps: 24,
      seconds: 1.5,
      pattern: 'gradients',
      audio: true,
    });
    await makePlaceholderClip(tools, storage.localPath(clipRef(2)), {
      width: 640,
      height: 360,
      fps: 60,
      seconds: 1.1,
      pattern: 'ramp',
    });
    const { mixSoundtrack } = createPipelineActivities(deps);
    const { soundtrackRef } = await run(mixSoundtrack, {
      runKey: 'seg',
      timeline: fixture.input.timeline,
      narrationRefs: fixture.input.scenes.map((s) => s.narrationRef),
    });
    // Karaoke on the voice's own word timings: the finest caption timing there is.
    const words = (i: number) => ({ wordsRef: runKeys.narrationWords('seg', i) });
    input = {
      ...fixture.input,
      soundtrackRef,
      exactFrames: true,
      captionStyle: 'karaoke',
      scenes: fixture.input.scenes.map((s, i) =>
        i === 0
          ? { ...s, ...words(i), clipRef: clipRef(0), fit: 'hold' }
          : i === 2
            ? { ...s, ...words(i), clipRef: clipRef(2), fit: 'loop' }
            : { ...s, ...words(i) },
      ),
    };
  });

  it('shows what the one-pass render shows: the same frames, one frame apart, every join frame alike', async () => {
    const onePass = await run(activities.renderShort, input);
    const [onePassEncode] = await takeEncodes();
    const segments = await renderAllSegments(input);
    const encodes = await takeEncodes();
    const joined = await run(activities.joinSegments, { ...input, segments, videoRef: 'runs/seg/joined.mp4' });
    expect(await takeEncodes()).toEqual([]); // the join copies the video

    const frames = Math.round(input.timeline.totalSec * FPS);
    expect(segments.reduce((sum, s) => sum + s.frames, 0)).toBe(frames);
    expect(encodes.map((e) => e.frames)).toEqual(segments.map((s) => s.frames));
    // Before encoding, the segments' frames are the one-pass frames bit for bit, captions included.
    const segmentFrames = (await Promise.all(encodes.map(graphFrames))).flat();
    expect(segmentFrames).toHaveLength(frames);
    expect(segmentFrames).toEqual(await graphFrames(onePassEncode!));
    expect(segments.every((s) => !s.reused)).toBe(true);
    expect(joined).toMatchObject({ width: 540, height: 960, fps: 30 });
    expect(Math.abs(joined.durationSec - input.timeline.totalSec)).toBeLessThan(0.05);

    // One SPS/PPS, size, pixel format, profile, level, rate and time base in every segment.
    const params = await Promise.all(segments.map((s) => videoParams(tools, storage.localPath(s.segmentRef))));
    expect(new Set(params.map((p) => JSON.stringify(p))).size).toBe(1);
    expect(params[0]).toMatchObject({
      codec: 'h264',
      width: 540,
      height: 960,
      pixelFormat: 'yuv420p',
      frameRate: '30/1',
    });

    for (const file of [onePass.videoPath, joined.videoPath]) {
      const times = await videoPacketTimes(tools, file);
      expect(times.pts).toHaveLength(frames);
      expect(timestampFaults(times, FPS)).toEqual([]);
    }

    const [a, b] = await Promise.all([greyFrames(onePass.videoPath), greyFrames(joined.videoPath)]);
    expect(a).toHaveLength(frames);
    expect(b).toHaveLength(frames);
    const joins = segments.slice(1).flatMap((s) => [s.startFrame - 1, s.startFrame]);
    for (const n of joins) expect(worstBlock(a[n]!, b[n]!), `frame ${n} at a join`).toBeLessThan(8);
    const worst = Math.max(...a.map((frame, n) => worstBlock(frame, b[n]!)));
    expect(worst).toBeLessThan(8);
    // …while neighbouring frames of the same render differ well beyond that somewhere at each join.
    expect(Math.max(...joins.map((n) => worstBlock(a[n]!, a[n + 1]!)))).toBeGreaterThan(8);
  });

  it('after one scene changes, re-encodes only its body and its two transitions; nothing when nothing changed', async () => {
    const before = await renderAllSegments(input);
    expect(await takeEncodes()).toEqual([]);
    expect(before.every((s) => s.reused)).toBe(true);
    const join = (segments: RenderedSegment[]) =>
      run(activities.joinSegments, { ...input, segments, videoRef: 'runs/seg/joined.mp4' });
    await join(before);
    expect(await takeEncodes()).toEqual([]);

    const layouts = segmentLayouts(input);
    for (const k of [1, 2]) {
      const scene = input.scenes[k]!;
      // Scene 2 (a still) gets a new image, scene 3 (a clip) a new clip.
      if (k === 1) {
        const image = storage.localPath(scene.imageRef!);
        await execute('ffmpeg', ['-v', 'error', '-y', '-i', image, '-vf', 'hflip', `${image}.png`]);
        await execute('mv', [`${image}.png`, image]);
      } else {
        await makePlaceholderClip(tools, storage.localPath(scene.clipRef!), {
          width: 480,
          height: 480,
          fps: 25,
          seconds: 2,
          pattern: 'gradients',
        });
      }
      await writeFile(encodeLog, '');
      const after = await renderAllSegments(input);
      const changed = segmentsOfScene(layouts, k);
      expect(changed).toEqual([2 * k - 1, 2 * k, 2 * k + 1]);
      expect(
        after.filter((s) => !s.reused).map((s) => layouts.findIndex((l) => l.startFrame === s.startFrame)),
      ).toEqual(changed);
      expect((await takeEncodes()).map((e) => e.frames)).toEqual(changed.map((i) => layouts[i]!.frames));
      after.forEach((s, i) => !changed.includes(i) && expect(s.segmentRef).toBe(before[i]!.segmentRef));
      const video = await join(after);
      expect((await videoPacketTimes(tools, video.videoPath)).pts).toHaveLength(
        Math.round(input.timeline.totalSec * FPS),
      );
      before.splice(0, before.length, ...after);
    }
  });

  it('refuses a join whose segments do not fit the timeline', async () => {
    const segments = await renderAllSegments(input);
    const wrong = segments.map((s, i) => (i === 1 ? { ...s, frames: s.frames + 1 } : s));
    await expect(run(activities.joinSegments, { ...input, segments: wrong })).rejects.toMatchObject({
      type: 'InvalidInput',
    });
    await expect(run(activities.joinSegments, { ...input, segments: segments.slice(1) })).rejects.toMatchObject({
      type: 'InvalidInput',
    });
    await expect(run(activities.renderSegment, { ...input, segment: segments.length })).rejects.toMatchObject({
      type: 'InvalidInput',
    });
  });
});
