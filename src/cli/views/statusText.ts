import type { BatchState } from '../../runs/kinds/batch.js';
import type { ShortState } from '../../runs/kinds/short.js';
import type { RunState } from '../../runs/status.js';
import { formatBytes, formatProviders, formatSeconds, preview, sceneLine, stageLine } from '../format.js';
import { batchProgressLine } from './batchProgress.js';

/** How many failed tasks a summary lists before pointing at --json. */
export const MAX_LISTED = 10;

/** `reelflow status <id>` for any kind: the kind's own lines, then when and where to look. */
export function describeRunState(state: RunState<unknown, unknown>): string {
  const lines = state.kind === 'batch' ? batchLines(state as BatchState) : shortLines(state as ShortState);
  if (state.error) lines.push(`  error       ${state.error.type}: ${state.error.message}`);
  lines.push(
    `  started     ${state.startedAt ?? '?'}${state.closedAt ? ` · closed ${state.closedAt}` : ''}`,
    `  Web UI      ${state.webUiUrl}`,
  );
  return `${lines.join('\n')}\n`;
}

function shortLines(s: ShortState): string[] {
  const lines = [`${s.id}: ${s.status}${s.progress ? ` · ${s.progress.percent}% · ${stageLine(s.progress)}` : ''}`];
  if (s.status === 'running') {
    lines.push(
      ...(s.progress?.scenes.map(sceneLine) ?? ['  (no progress yet: is a worker running? `reelflow worker`)']),
    );
  }
  if (s.result) {
    const r = s.result;
    lines.push(
      `  video       ${r.videoPath}`,
      `              ${formatSeconds(r.durationSec)} · ${r.width}×${r.height} · ${r.fps} fps · ${formatBytes(r.sizeBytes)}`,
      `  providers   ${formatProviders(r.providers)}${r.offline ? ' (offline placeholder art)' : ''}`,
    );
  }
  return lines;
}

function batchLines(s: BatchState): string[] {
  const lines = [`${s.id}: ${s.status} · ${batchProgressLine(s.progress)}`];
  if (s.result) lines.push(`  result      ${s.result.summary}`);
  lines.push(...failedTaskLines(s.result?.failed_results ?? []));
  return lines;
}

/** `  failed      task 3 “A yellow boat”: ReplicateInvalidInput: …`, at most MAX_LISTED of them. */
export function failedTaskLines(
  failed: { task_index: number; prompt: string; error: { type: string; message: string } }[],
): string[] {
  const lines = failed
    .slice(0, MAX_LISTED)
    .map(
      (f, i) =>
        `${i === 0 ? '  failed      ' : '              '}task ${f.task_index} “${preview(f.prompt, 40)}”: ${f.error.type}: ${f.error.message.split('\n')[0]}`,
    );
  if (failed.length > MAX_LISTED) lines.push(`              … and ${failed.length - MAX_LISTED} more (see --json)`);
  return lines;
}
