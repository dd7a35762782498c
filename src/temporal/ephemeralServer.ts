import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from './cliPath.js';
import { SINGLE_PARTITION_QUEUES } from './devServer.js';
import { REELFLOW_SEARCH_ATTRIBUTES } from './searchAttributes.js';

/**
 * A throwaway Temporal dev server for the test suite, the benchmarks and the history recorder,
 * configured like `reelflow dev`: the CLI bootstrap installed (never a download), single-partition
 * queues, and reelflow's search attributes registered (a workflow upserting its stage into a
 * namespace without them would fail every workflow task).
 */
export function startEphemeralTemporal(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: findTemporalCli(process.env.TEMPORAL_CLI_PATH) },
      ip: '127.0.0.1',
      extraArgs: ['--log-level', 'error', ...SINGLE_PARTITION_QUEUES],
      searchAttributes: REELFLOW_SEARCH_ATTRIBUTES,
    },
  });
}
