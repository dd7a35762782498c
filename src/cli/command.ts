/** One CLI command: its help text and what it does. `run` resolves to the process exit code. */
export interface Command {
  /** Full `--help` text. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

export interface CommandEntry {
  summary: string;
  /** Loaded on use, so `--help` and light commands never pay for the Temporal worker's native code. */
  load: () => Promise<Command>;
}
