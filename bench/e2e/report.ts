/**
 * What bench:e2e reads from a run's history: each activity's span (started → closed), the run's
 * wall time (first event → last), and the critical path those spans allow.
 */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface Span {
  type: string;
  startedMs: number;
  closedMs: number;
}

export interface RunTimings {
  wallSec: number;
  spans: Span[];
  plan: number;
  visual: number;
  narration: number;
  music: number;
  mix: number;
  /** The render: renderShort, or from the first segment's start to the join's close. */
  render: number;
  critical: number;
}

const eventMs = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

export function timingsOf(events: HistoryEvent[]): RunTimings {
  const scheduled = new Map<string, string>();
  const startedAt = new Map<string, number>();
  const spans: Span[] = [];
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes)
      scheduled.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    const s = e.activityTaskStartedEventAttributes;
    if (s) startedAt.set(String(s.scheduledEventId), eventMs(e));
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes;
    if (closed?.scheduledEventId != null) {
      const key = String(closed.scheduledEventId);
      spans.push({
        type: scheduled.get(key) ?? '?',
        startedMs: startedAt.get(key) ?? eventMs(e),
        closedMs: eventMs(e),
      });
    }
  }
  const of = (types: string[]) => spans.filter((s) => types.includes(s.type));
  const seconds = (types: string[]) => of(types).map((s) => (s.closedMs - s.startedMs) / 1000);
  const longest = (types: string[]) => Math.max(0, ...seconds(types));
  const total = (types: string[]) => seconds(types).reduce((a, b) => a + b, 0);
  const segmentSpans = of(['renderSegment', 'joinSegments']);
  const render = segmentSpans.length
    ? (Math.max(...segmentSpans.map((s) => s.closedMs)) - Math.min(...segmentSpans.map((s) => s.startedMs))) / 1000
    : total(['renderShort']);
  const t = {
    wallSec: (eventMs(events.at(-1)!) - eventMs(events[0]!)) / 1000,
    spans,
    plan: total(['planWithLlm', 'planScenes', 'editPlan']),
    visual: longest(['generateSceneImageOnReplicate', 'generateSceneImage']),
    narration: longest(['synthesizeNarration', 'synthesizeNarrationOnReplicate']),
    music: total(['prepareMusic', 'generateMusicOnReplicate']),
    mix: total(['mixSoundtrack']),
    render,
  };
  // The bed starts with the scenes; the mix waits for the last narration and the bed.
  return { ...t, critical: t.plan + Math.max(t.visual, Math.max(t.narration, t.music) + t.mix) + t.render };
}

export const line = (label: string, value: number, unit = 's') =>
  console.log(`  ${label.padEnd(36)} ${value.toFixed(unit === 's' ? 2 : 3)}${unit ? ` ${unit}` : ''}`);

export function printRun(title: string, t: RunTimings): void {
  console.log(title);
  line('plan', t.plan);
  line('slowest image', t.visual);
  line('slowest narration', t.narration);
  line('music bed (beside the scenes)', t.music);
  line('soundtrack mix', t.mix);
  line('render', t.render);
  line('critical path', t.critical);
  line('wall (workflow start → close)', t.wallSec);
  const byType = new Map<string, number[]>();
  for (const s of t.spans) byType.set(s.type, [...(byType.get(s.type) ?? []), (s.closedMs - s.startedMs) / 1000]);
  const each = [...byType].map(
    ([type, secs]) => `${type} ${secs.length}× ${secs.reduce((a, b) => a + b, 0).toFixed(1)} s`,
  );
  console.log(`  activities: ${t.spans.length} (${each.join(', ')})`);
}

export function verdict(label: string, ratio: number, target: number): void {
  console.log(`  ${label.padEnd(36)} ${ratio.toFixed(3)} (target ≤ ${target}) ${ratio <= target ? 'met' : 'MISSED'}`);
}
