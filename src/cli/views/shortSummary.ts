import type { Config } from '../../config/index.js';
import { describeCost } from '../../domain/cost.js';
import type { ShortResult } from '../../domain/result.js';
import type { ShortState } from '../../runs/kinds/short.js';
import { EXIT_INTERRUPTED } from '../errors.js';
import { displayPath, formatBytes, formatProviders, formatSeconds } from '../format.js';

/** How `make`, `regenerate` and `retry` report a short they waited for: the summary, or why there is none. */

export interface Delivered {
  id: string;
  output: string;
  sizeBytes: number;
  webUiUrl: string;
}

export function printJson(delivered: Delivered, result: ShortResult): void {
  const { id, output, sizeBytes, webUiUrl } = delivered;
  const { durationSec, width, height, providers, offline, soundtrack, fallbacks, cost, revisionOf } = result;
  const plan = result.plan && {
    title: result.plan.title,
    planner: result.plan.planner,
    structure: result.plan.structure,
    ...(result.plan.fallbackReason ? { fallbackReason: result.plan.fallbackReason } : {}),
  };
  process.stdout.write(
    `${JSON.stringify({ id, output, durationSec, width, height, sizeBytes, providers, offline, plan, soundtrack, fallbacks, cost, revisionOf, webUiUrl })}\n`,
  );
}

export function printSummary(delivered: Delivered, result: ShortResult, config: Config, embeddedServer: boolean): void {
  const lines = [
    `✓ ${displayPath(delivered.output)}`,
    `  id          ${delivered.id}`,
    ...revisionLines(result),
    `  video       ${formatSeconds(result.durationSec)} · ${result.width}×${result.height} · ${result.fps} fps · ${formatBytes(delivered.sizeBytes)}`,
    `  language    ${result.language}`,
    `  providers   ${formatProviders(result.providers)}`,
    ...planLines(result),
    ...sceneLines(result),
    ...(result.cost ? [`  cost        ${describeCost(result.cost)}`] : []),
    ...(result.soundtrack
      ? [
          `  sound       ${result.soundtrack.integratedLufs.toFixed(1)} LUFS · true peak ${result.soundtrack.truePeakDbtp.toFixed(1)} dBTP · music ${result.soundtrack.music.provider ?? 'none'}`,
        ]
      : []),
    ...(result.offline
      ? ['  note        offline placeholder art and espeak-ng narration (no AI providers configured)']
      : []),
    `  Web UI      ${delivered.webUiUrl}`,
    ...(embeddedServer
      ? [
          `              (the dev server this command started has stopped; \`reelflow dev\` serves the history again at ${config.temporal.uiUrl})`,
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** "revision of short-… (scene 2) · 2 from the cache": what a revision or a retry was made from. */
function revisionLines(result: ShortResult): string[] {
  const of = result.revisionOf;
  if (!of) return [];
  const cached = result.scenes.filter((s) => s.cached).length;
  const what = of.scene === undefined ? 'retry of' : 'revision of';
  const fromCache = cached ? ` · ${cached} scene${cached === 1 ? '' : 's'} from the cache` : '';
  return [`  ${what.padEnd(11)} ${of.parentId}${of.scene === undefined ? '' : ` (scene ${of.scene})`}${fromCache}`];
}

/** "plan  “The keeper's light” · five-act", and why the LLM did not plan it when it did not. */
function planLines(result: ShortResult): string[] {
  const plan = result.plan;
  if (!plan) return [];
  const lines = [
    `  plan        ${plan.title ? `“${plan.title}” · ` : ''}${plan.structure ?? 'scenes'} · ${plan.planner}`,
  ];
  if (plan.fallbackReason)
    lines.push(`              planned offline because the LLM could not: ${plan.fallbackReason.split('\n')[0]}`);
  return lines;
}

/** "scenes  3 clips · 2 stills", and every video scene that shows its still instead, with why. */
function sceneLines(result: ShortResult): string[] {
  const videoScenes = result.scenes.filter((s) => s.visualMode);
  if (!videoScenes.length) return [];
  const clips = result.scenes.filter((s) => s.clipRef).length;
  const lines = [
    `  scenes      ${clips} clip${clips === 1 ? '' : 's'} · ${result.scenes.length - clips} still${result.scenes.length - clips === 1 ? '' : 's'}`,
  ];
  for (const f of result.fallbacks ?? [])
    lines.push(
      `              scene ${f.scene} shows its still: the clip failed (${f.type ?? 'error'}: ${f.reason.split('\n')[0]})`,
    );
  return lines;
}

export function reportCancelled(status: ShortState): number {
  const state = status.status === 'running' ? 'cancellation requested; the run stops at its next step' : status.status;
  process.stderr.write(`reelflow: ${status.id}: ${state}. Web UI: ${status.webUiUrl}\n`);
  return EXIT_INTERRUPTED;
}

export function reportFailure(status: ShortState): number {
  const what =
    status.status === 'cancelled'
      ? 'was cancelled from outside (reelflow cancel, the API or the Web UI)'
      : `ended ${status.status}${status.error ? ` (${status.error.type}: ${status.error.message})` : ''}`;
  const retry =
    status.status === 'running' ? '' : ` Make it again, paying only for what failed: reelflow retry ${status.id}.`;
  process.stderr.write(`reelflow: The short ${status.id} ${what}.${retry} Web UI: ${status.webUiUrl}\n`);
  return 1;
}
