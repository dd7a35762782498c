import type { ShortState } from '../../runs/kinds/short.js';
import { bar, fit, sceneLine, stageLine } from '../format.js';
import type { RunView } from '../waitForRun.js';

type ProgressView = RunView<ShortState>;

/** A live, redrawn progress picture on a terminal; one line per stage change anywhere else. */
export function createShortProgressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? liveView(stream) : lineView(stream);
}

function lineView(stream: NodeJS.WriteStream): ProgressView {
  let last = '';
  return {
    update(status) {
      const progress = status?.progress;
      const key = progress ? `${progress.stage}` : status ? 'waiting' : '';
      if (!key || key === last) return;
      last = key;
      stream.write(
        progress
          ? `[${String(progress.percent).padStart(3)}%] ${stageLine(progress)}\n`
          : 'waiting for a worker to pick up the run…\n',
      );
    },
    finish() {},
    note(line) {
      stream.write(`${line}\n`);
    },
  };
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function liveView(stream: NodeJS.WriteStream): ProgressView {
  let drawn = 0;
  let frame = 0;
  let lastLines: string[] = [];
  const clear = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  const draw = (lines: string[]) => {
    const columns = Math.max(20, (stream.columns || 80) - 1);
    clear();
    stream.write(lines.map((l) => `${fit(l, columns)}\n`).join(''));
    drawn = lines.length;
  };
  return {
    update(status) {
      const closed = status && status.status !== 'running';
      const spin = closed ? (status.status === 'completed' ? '✓' : '✗') : SPINNER[frame++ % SPINNER.length];
      const progress = status?.progress;
      lastLines = progress
        ? [
            `${spin} ${bar(progress.percent)} ${String(progress.percent).padStart(3)}% ${stageLine(progress)}`,
            ...progress.scenes.map(sceneLine),
          ]
        : [`${spin} ${bar(0)}   0% waiting for a worker to pick up the run…`];
      draw(lastLines);
    },
    finish() {
      drawn = 0;
    },
    note(line) {
      clear();
      stream.write(`${line}\n`);
      if (lastLines.length) draw(lastLines);
    },
  };
}
