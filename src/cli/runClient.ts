import type { Config } from '../config/index.js';
import { RunNotFoundError } from '../runs/errors.js';
import type { RunKind } from '../runs/kind.js';
import { kindForId } from '../runs/registry.js';
import { RunService } from '../runs/service.js';
import { connect } from './temporalSetup.js';

/**
 * For commands that act on one existing run of any kind: finds the kind from the ID, connects to
 * Temporal, and closes the connection again whatever `body` does.
 */
export async function withRun<T>(
  config: Config,
  id: string,
  body: (runs: RunService, kind: RunKind) => Promise<T>,
): Promise<T> {
  const kind = kindForId(id);
  if (!kind) {
    throw new RunNotFoundError(
      'run',
      id,
      `No run with id "${id.slice(0, 100)}" (run ids start with short- or batch-).`,
    );
  }
  const client = await connect(config);
  try {
    return await body(new RunService(client, config), kind);
  } finally {
    await client.connection.close();
  }
}
