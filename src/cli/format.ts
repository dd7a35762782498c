import path from 'node:path';
import type { SceneProgress, ShortProgress, StepState } from '../domain/progress.js';
import type { Providers } from '../domain/result.js';

/** Decimal units, as disk and network tools print sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

export function formatProviders(p: Providers): string {
  return `plan ${p.plan} · visuals ${p.visuals.join(', ')} · narration ${p.narration.join(', ')} · render ${p.render}`;
}

/** `rendering · images 5/5 · narration 5/5`: the stage and how many scenes have each asset. */
export function stageLine(progress: ShortProgress): string {
  const done = (step: 'visual' | 'narration') => progress.scenes.filter((s) => s[step] === 'done').length;
  const n = progress.sceneCount;
  const render =
    progress.stage === 'rendering' && progress.renderPercent > 0 ? ` · render ${progress.renderPercent}%` : '';
  return n === 0
    ? progress.stage
    : `${progress.stage} · images ${done('visual')}/${n} · narration ${done('narration')}/${n}${render}`;
}

const MARKS: Record<StepState, string> = { pending: '·', running: '…', done: '✓', failed: '✗' };

/** `  2  image ✓  voice …  The keeper climbed the stairs…` */
export function sceneLine(scene: SceneProgress): string {
  const error = scene.error ? `  ✗ ${scene.error}` : '';
  return `  ${String(scene.index + 1).padStart(2)}  image ${MARKS[scene.visual]}  voice ${MARKS[scene.narration]}  ${scene.preview}${error}`;
}

export function bar(percent: number, width = 20): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** Cuts a line to the terminal width by characters (code points), adding an ellipsis. */
export function fit(line: string, columns: number): string {
  const chars = [...line];
  return chars.length <= columns ? line : `${chars.slice(0, Math.max(0, columns - 1)).join('')}…`;
}

/** Relative to the working directory when inside it, absolute otherwise. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** The first `max` characters of a one-line version of `text`, with an ellipsis when cut. */
export function preview(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ')];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}
