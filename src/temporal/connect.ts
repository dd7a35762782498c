import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.js';
import { dataConverterFor } from './dataConverter.js';

/** A client of the configured namespace, encrypting and decrypting payloads as the workers do. */
export async function connectClient(config: Config): Promise<Client> {
  const dataConverter = dataConverterFor(config.payloads);
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '5s' });
  return new Client({ connection, namespace: config.temporal.namespace, dataConverter });
}

/** Link to a run in the Temporal Web UI. */
export function webUiLink(config: Config, workflowId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
