import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { findTemporalCli } from '../../src/temporal/cliPath.js';
import { SINGLE_PARTITION_QUEUES } from '../../src/temporal/devServer.js';
import { REELFLOW_SEARCH_ATTRIBUTES } from '../../src/temporal/searchAttributes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCliPath: string;
  }
}

let env: TestWorkflowEnvironment | undefined;

/** One real Temporal dev server for the whole suite, from the CLI that bootstrap installed. */
export async function setup(project: TestProject): Promise<void> {
  const cliPath = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cliPath },
      ip: '127.0.0.1',
      extraArgs: ['--log-level', 'error', ...SINGLE_PARTITION_QUEUES],
      searchAttributes: REELFLOW_SEARCH_ATTRIBUTES,
    },
  });
  project.provide('temporalAddress', env.address);
  project.provide('temporalCliPath', cliPath);
}

export async function teardown(): Promise<void> {
  await env?.teardown();
}
