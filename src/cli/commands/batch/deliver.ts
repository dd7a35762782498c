import { copyFile, mkdir } from 'node:fs/promises';
import { type CostSummary, describeCost } from '../../../domain/cost.js';
import path from 'node:path';
import type { Config } from '../../../config/index.js';
import type { ImageBatchResult } from '../../../domain/batch.js';
import type { BatchState } from '../../../runs/kinds/batch.js';
import type { LocalStorage } from '../../../storage/index.js';
import { CliError } from '../../errors.js';
import { displayPath } from '../../format.js';
import { failedTaskLines } from '../../views/statusText.js';

interface DeliveredFile {
  filename: string;
  /** Where the CLI wrote it (stored outputs). */
  path?: string;
  /** Replicate's URL (--no-download). */
  url?: string;
}

export interface Delivered {
  outDir?: string;
  copied: number;
  successful: { task_index: number; prompt: string; output_filename: string; generated_files: DeliveredFile[] }[];
  failed: ImageBatchResult['failed_results'];
  summary: string;
  cost?: CostSummary;
}

/** Copies every stored output into `outDir` under its task's name; URL outputs are passed through. */
export async function deliverBatch(
  result: ImageBatchResult,
  storage: LocalStorage,
  outDir: string,
): Promise<Delivered> {
  const taken = new Set<string>();
  let copied = 0;
  const successful: Delivered['successful'] = [];
  for (const r of result.successful_results) {
    const files: DeliveredFile[] = [];
    for (const f of r.generated_files) {
      if (f.ref === undefined) {
        files.push({ filename: f.filename, ...(f.url !== undefined ? { url: f.url } : {}) });
        continue;
      }
      const target = path.join(outDir, freeName(taken, r.task_index, f.filename));
      if (copied === 0) await mkdir(outDir, { recursive: true });
      try {
        await copyFile(storage.localPath(f.ref), target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        throw new CliError(
          `The images are stored on the workers' DATA_DIR, which this machine cannot read (${f.filename} of task ${r.task_index} is missing).`,
          'Run the CLI where DATA_DIR is shared with the workers, or download them through the HTTP API.',
        );
      }
      copied++;
      files.push({ filename: f.filename, path: target });
    }
    successful.push({ ...r, generated_files: files });
  }
  return {
    ...(copied > 0 ? { outDir } : {}),
    copied,
    successful,
    failed: result.failed_results,
    summary: result.summary,
    ...(result.cost ? { cost: result.cost } : {}),
  };
}

/** The name itself when free; otherwise `<task>_<name>`, then `<task>_<n>_<name>`. */
function freeName(taken: Set<string>, taskIndex: number, filename: string): string {
  let name = filename;
  for (let n = 1; taken.has(name.toLowerCase()); n++) {
    name = n === 1 ? `${taskIndex}_${filename}` : `${taskIndex}_${n}_${filename}`;
  }
  taken.add(name.toLowerCase());
  return name;
}

export function printDeliveredJson(state: BatchState, d: Delivered): void {
  process.stdout.write(
    `${JSON.stringify({
      id: state.id,
      status: state.status,
      summary: d.summary,
      outDir: d.outDir,
      successful_results: d.successful,
      failed_results: d.failed,
      ...(d.cost ? { cost: d.cost } : {}),
      webUiUrl: state.webUiUrl,
    })}\n`,
  );
}

export function printDeliveredSummary(state: BatchState, d: Delivered, embeddedServer: boolean, config: Config): void {
  const urls = d.successful.flatMap((r) =>
    r.generated_files.filter((f) => f.url).map((f) => ({ task: r.task_index, ...f })),
  );
  const mark = d.failed.length === 0 ? '✓' : '✗';
  const lines = [
    `${mark} ${d.summary}${d.outDir ? ` · ${d.copied} file${d.copied === 1 ? '' : 's'} in ${displayPath(d.outDir)}` : ''}`,
    `  id          ${state.id}`,
    ...(d.cost ? [`  cost        ${describeCost(d.cost)}`] : []),
    ...urls.map((u, i) => `${i === 0 ? '  urls        ' : '              '}${u.task} ${u.filename}  ${u.url}`),
    ...(urls.length ? ["              (Replicate's URLs stop working an hour after the prediction)"] : []),
    ...failedTaskLines(d.failed),
    `  Web UI      ${state.webUiUrl}`,
    ...(embeddedServer
      ? [
          `              (the dev server this command started has stopped; \`reelflow dev\` serves the history again at ${config.temporal.uiUrl})`,
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
