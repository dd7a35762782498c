import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs for one command, strict: an unknown flag or a missing value is a usage error that
 * names the command, so the hint points at the right `--help`.
 */
export function parseCommandArgs<const O extends CommandOptions>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as O & { help: { type: 'boolean'; short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(describeParseError(err), command);
  }
}

function describeParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // Node's messages carry advice for script authors ("To specify a positional argument…"); keep the first sentence.
  return message.split(/\.\s/)[0]!.replace(/\.$/, '');
}

/** Exactly `count` positionals, named in the error when one is missing or extra. */
export function expectPositionals(command: string, positionals: string[], names: string[]): string[] {
  if (positionals.length < names.length) throw new UsageError(`Missing <${names[positionals.length]}>`, command);
  if (positionals.length > names.length) {
    throw new UsageError(`Unexpected argument "${positionals[names.length]}"`, command);
  }
  return positionals;
}
