import type { LogLevel, LogMetadata } from '@temporalio/common';
import type { Config } from '../config/index.js';
import { redact, redactLogMeta } from '../security/redact.js';

const LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' } as const;

/**
 * Expected by design, so not worth a person's attention: activity-only workers (render, Replicate
 * keys) never poll for workflows or Nexus, and webpack's bundle report is build noise.
 */
const EXPECTED_NOISE = [
  /^No workflows registered, not polling for workflow tasks/,
  /^No Nexus services registered/,
  /^asset workflow-bundle-/,
];

/**
 * Configures the Temporal worker runtime before any worker starts. Signals stay with the CLI
 * (`shutdownSignals: []`): the SDK would otherwise stop workers on Ctrl-C before `make` could
 * cancel its run. Loaded lazily, since the runtime is native code that plain commands never need.
 */
export async function installWorkerRuntime(level: Config['logLevel']): Promise<void> {
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  class CliLogger extends DefaultLogger {
    override log(logLevel: LogLevel, message: string, meta?: LogMetadata): void {
      if (!EXPECTED_NOISE.some((re) => re.test(message))) super.log(logLevel, redact(message), redactLogMeta(meta));
    }
  }
  Runtime.install({ logger: new CliLogger(LEVELS[level]), shutdownSignals: [] });
}
