import { type Config, loadConfig } from '../config/index.js';
import { type CommandOptions, expectPositionals, parseCommandArgs } from './args.js';
import type { Command } from './command.js';

export interface CommandSpec<O extends CommandOptions> {
  /** As typed after `reelflow`; names the command in usage errors. */
  name: string;
  usage: string;
  options: O;
  /** Names of the positionals it takes exactly; `rest` hands them over unchecked (for sub-commands). */
  positionals: string[] | 'rest';
  run(args: {
    values: ReturnType<typeof parseCommandArgs<O>>['values'];
    positionals: string[];
    /** Parsed on first use, so a usage error never waits for (or fails on) the configuration. */
    config: () => Config;
  }): Promise<number>;
}

/**
 * The preamble every command shares: strict flags, `--help` printing the usage to stdout, the
 * positionals checked by name, the configuration loaded once. A command is its usage and its body.
 */
export function defineCommand<const O extends CommandOptions>(spec: CommandSpec<O>): Command {
  return {
    usage: spec.usage,
    async run(argv) {
      const { values, positionals } = parseCommandArgs(spec.name, argv, spec.options);
      if ((values as { help?: boolean }).help) {
        process.stdout.write(spec.usage);
        return 0;
      }
      if (spec.positionals !== 'rest') expectPositionals(spec.name, positionals, spec.positionals);
      return spec.run({ values, positionals, config: loadConfig });
    },
  };
}
