import type { BatchProgress } from '../../domain/batch.js';
import type { BatchState } from '../../runs/kinds/batch.js';
import { fit } from '../format.js';
import type { RunView } from '../waitForRun.js';

/** "37/200 done · 2 failed": done counts every finished task, the failed ones included. */
export function batchProgressLine(progress: BatchProgress | undefined): string {
  if (!progress) return 'waiting for a worker to pick up the batch…';
  const done = progress.succeeded + progress.failed;
  return `${done}/${progress.total} done · ${progress.failed} failed`;
}

export function createBatchProgressView(stream: NodeJS.WriteStream = process.stderr): RunView<BatchState> {
  return createProgressLineView((state) => batchProgressLine(state?.progress), stream);
}

/** One redrawn line on a terminal; elsewhere a line per change, at most one a second. */
export function createProgressLineView<S extends { status: string }>(
  lineOf: (state: S | undefined) => string,
  stream: NodeJS.WriteStream = process.stderr,
): RunView<S> {
  let shown = '';
  let pending = '';
  let printedAt = 0;
  let live = false;
  const tty = stream.isTTY;
  const draw = (line: string) => {
    const columns = Math.max(20, (stream.columns || 80) - 1);
    stream.write(`\r\x1b[K${fit(line, columns)}`);
    live = true;
  };
  return {
    update(status) {
      const closed = status && status.status !== 'running';
      pending = `${closed ? (status.status === 'completed' ? '✓' : '✗') : '…'} ${lineOf(status)}`;
      if (pending === shown) return;
      if (tty) {
        draw(pending);
        shown = pending;
      } else if (closed || Date.now() - printedAt >= 1000) {
        stream.write(`${pending}\n`);
        shown = pending;
        printedAt = Date.now();
      }
    },
    finish() {
      if (tty && live) stream.write('\n');
      else if (!tty && pending !== shown) stream.write(`${pending}\n`);
      live = false;
    },
    note(line) {
      if (tty && live) stream.write('\r\x1b[K');
      stream.write(`${line}\n`);
      if (tty && shown) draw(shown);
    },
  };
}
