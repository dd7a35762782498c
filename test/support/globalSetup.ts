import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startEphemeralTemporal } from '../../src/temporal/ephemeralServer.js';
import type { TestProject } from 'vitest/node';
import { findTemporalCli } from '../../src/temporal/cliPath.js';

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
  env = await startEphemeralTemporal();
  project.provide('temporalAddress', env.address);
  project.provide('temporalCliPath', cliPath);
}

export async function teardown(): Promise<void> {
  await env?.teardown();
}
