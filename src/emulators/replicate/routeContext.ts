/**
 * What the Replicate emulator's routes share: the emulator's state, built once by server.ts, and the
 * checks and errors every route uses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Accounting } from './accounting.js';
import type { FaultInjector } from './faults.js';
import type { UploadStore } from './files.js';
import { bearerToken, HttpError } from './http.js';
import type { InputSources } from './inputs.js';
import type { ModelRegistry } from './modelRegistry.js';
import { isValidToken, type ResolvedOptions } from './options.js';
import type { PredictionStore } from './predictions.js';

export interface EmulatorContext {
  readonly opts: ResolvedOptions;
  readonly registry: ModelRegistry;
  readonly accounting: Accounting;
  readonly uploads: UploadStore;
  readonly faults: FaultInjector;
  readonly store: PredictionStore;
  /** Where a file a model input names is read from (uploads, outputs, data URLs). */
  readonly inputSources: InputSources;
  /** "http://host:port" as the client addressed us: the links in responses point there. */
  readonly originOf: (req: IncomingMessage) => string;
  /** Drops predictions and files, zeroes stats, restores the construction-time faults and seeds. */
  reset(): void;
}

/** A route handler: `path` is the request's path (below the base path, for the API), `url` its whole URL. */
export type Route<T = void> = (
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  url: URL,
) => Promise<T>;

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const unauthenticated = () =>
  new HttpError(401, 'Unauthenticated', 'You did not pass a valid authentication token');
export const notFound = (detail = 'The requested resource could not be found.') =>
  new HttpError(404, 'Not found', detail);

/** The request's token, or a 401 (counted) when it is not one the emulator accepts. */
export function authenticate(ctx: EmulatorContext, req: IncomingMessage): string {
  const token = bearerToken(req);
  if (!isValidToken(ctx.opts, token)) {
    ctx.accounting.recordUnauthorized();
    throw unauthenticated();
  }
  return token;
}
