import type { Client } from '@temporalio/client';
import { REELFLOW_SEARCH_ATTRIBUTES } from './searchAttributes.js';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const KEYWORD = 2;
/** gRPC ALREADY_EXISTS: another process registered them first. */
const ALREADY_EXISTS = 6;

/**
 * Registers reelflow's search attributes in the namespace when they are missing, so a run can be
 * started with them and a workflow can upsert its stage. Every process that starts runs or runs
 * workflows calls it once at start; it is idempotent, and two processes racing both succeed.
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = REELFLOW_SEARCH_ATTRIBUTES.filter((key) => !(customAttributes && key.name in customAttributes));
  if (missing.length === 0) return;
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, KEYWORD])),
    });
  } catch (err) {
    if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
  }
}

/**
 * Best effort at a process's start: a server that is down now must not stop the API or a worker
 * from starting (the run service registers them again before a start that needs them).
 */
export async function tryEnsureSearchAttributes(client: Client, namespace: string): Promise<void> {
  try {
    await ensureSearchAttributes(client, namespace);
  } catch (err) {
    console.error(
      `reelflow: could not register the Reelflow* search attributes in namespace "${namespace}" yet (${(err as Error).message.split('\n')[0]}); they are registered again before the first run starts.`,
    );
  }
}
