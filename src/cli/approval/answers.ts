import { type Interface, createInterface } from 'node:readline';

/** Lines a person types (or a script pipes) in answer to questions on the terminal. */
export interface Answers {
  /** Asks and resolves with the next line, trimmed; undefined once input has ended or `signal` aborted. */
  ask(question: string): Promise<string | undefined>;
  /** Lets go of the terminal, for an editor; the next `ask` takes it again. */
  release(): void;
  close(): void;
}

/**
 * Answers from stdin through node:readline. On a terminal the line is edited and echoed as usual,
 * and the interface is closed while an editor runs (both would read the keys otherwise). Anywhere
 * else one interface reads every line for the whole session: piped answers arrive in one chunk, and
 * a fresh interface per question would drop the lines after the first. Questions go to stderr, so
 * stdout keeps only the result (`--json`).
 */
export function stdinAnswers(
  signal: AbortSignal,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Answers {
  const terminal = Boolean(input.isTTY);
  const lines: string[] = [];
  let rl: Interface | undefined;
  let ended = false;
  let letGo = false;
  let wake: (() => void) | undefined;

  function open(): Interface {
    if (rl) return rl;
    const opened = createInterface({ input, output: terminal ? output : undefined, terminal });
    opened.on('line', (line) => {
      lines.push(line);
      wake?.();
    });
    opened.on('close', () => {
      // Closed by release() is not the end of input; Ctrl-D or a closed pipe is.
      if (!letGo) ended = true;
      wake?.();
    });
    // readline takes a terminal's Ctrl-C as a key; pass it on to the command's own SIGINT handling.
    opened.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
    rl = opened;
    return opened;
  }

  function nextLine(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      };
      wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  return {
    async ask(question) {
      const reader = open();
      if (terminal) {
        reader.setPrompt(question);
        reader.prompt();
      } else output.write(question);
      while (!lines.length && !ended && !signal.aborted) await nextLine();
      if (signal.aborted) return undefined;
      const line = lines.shift();
      // Piped answers are not echoed by anyone; writing them keeps a log readable.
      if (!terminal) output.write(`${line ?? ''}\n`);
      return line?.trim();
    },
    release() {
      if (!terminal || !rl) return;
      letGo = true;
      rl.close();
      rl = undefined;
      letGo = false;
    },
    close() {
      letGo = true;
      rl?.close();
      rl = undefined;
    },
  };
}
