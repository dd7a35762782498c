import { commands } from './registry.js';
import { UsageError, reportError } from './errors.js';

/** `reelflow <command> [options]`: finds the command, runs it, turns any error into one line and an exit code. */
const NAME_WIDTH = Math.max(...Object.keys(commands).map((name) => name.length));
const USAGE = `reelflow — turn a story into a short video, orchestrated by Temporal

Usage: reelflow <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, entry]) => `  ${name.padEnd(NAME_WIDTH)} ${entry.summary}`)
  .join('\n')}

Run \`reelflow <command> --help\` for a command's options.
Quick start: reelflow make --story-file examples/demo-story.txt --out out/demo.mp4
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && commands[topic]) return main([topic, '--help']);
    // Without a command it is a usage error: help goes to stderr, and the exit code says so.
    (name === undefined ? process.stderr : process.stdout).write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) throw new UsageError(`Unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`);
  const command = await entry.load();
  return command.run(rest);
}

async function flush(stream: NodeJS.WriteStream): Promise<void> {
  await new Promise<void>((resolve) => stream.write('', () => resolve()));
}

let exitCode: number;
try {
  exitCode = await main(process.argv.slice(2));
} catch (err) {
  exitCode = reportError(err);
}
// Exit explicitly: a connection or native handle left behind must not keep a finished command alive.
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(exitCode);
