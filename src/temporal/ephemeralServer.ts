import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from './cliPath.js';
import { SINGLE_PARTITION_QUEUES } from './devServer.js';
import { REELFLOW_SEARCH_ATTRIBUTES } from './searchAttributes.js';

/**
 * A throwaway Temporal dev server for the test suite, the benchmarks and the history recorder,
 * configured like `reelflow dev`: the CLI bootstrap installed (never a download), single-partition
 * queues, and reelflow's search attributes registered (a workflow upserting its stage into a
 * namespace without them would fail every workflow task). `dataConverter` is for `env.client`;
 * a caller that never reads payloads through it may leave it out.
 */
export function startEphemeralTemporal(
  options: { dataConverter?: DataConverter } = {},
): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: findTemporalCli(process.env.TEMPORAL_CLI_PATH) },
      ip: '127.0.0.1',
      extraArgs: ['--log-level', 'error', ...SINGLE_PARTITION_QUEUES],
      searchAttributes: REELFLOW_SEARCH_ATTRIBUTES,
    },
    ...(options.dataConverter ? { client: { dataConverter: options.dataConverter } } : {}),
  });
}
