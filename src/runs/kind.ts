import type { QueryDefinition } from '@temporalio/client';
import type { z } from 'zod';
import type { Config } from '../config/index.js';

/** A running activity as `describe()` lists it, its last heartbeat decoded (codec included). */
export interface PendingActivity {
  activityType: string;
  heartbeat?: unknown;
}

/** Who starts the run: with a user's own Replicate token (the API's second tier), it is their key. */
export interface StartContext {
  userKey?: boolean;
}

/** Removes what must not leave the service from a worker's message (paths, secrets). */
export type Scrub = (text: string) => string;

/** A stored file a run made, as a download route serves it. */
export interface StoredFile {
  ref: string;
  filename: string;
  contentType: string;
}

/** One download route of a kind, e.g. a short's `/:id/video` or a batch's `/:id/files/:task/:name`. */
export interface FileRoute<Result> {
  /** Hono path below the kind's route, starting with `/:id/`. */
  path: string;
  /** What messages call it ("video", "file"); a missing stored file answers 410 `<noun>_missing`. */
  noun: string;
  /** Byte ranges (seeking in a player) on top of whole downloads. */
  ranges: boolean;
  /** URL params that can never name a file are a 404 without asking Temporal. */
  paramsValid?(params: Record<string, string>): boolean;
  /** Only a file the run itself lists leads to a storage key: nothing typed in a URL becomes a path. */
  find(result: Result, params: Record<string, string>, id: string): StoredFile | undefined;
  notFoundMessage(id: string, params: Record<string, string>): string;
}

/** What the start of a run shows in the Temporal Web UI and carries as search attributes. */
export interface RunPresentation {
  /** One line in the Web UI's run list. */
  summary: string;
  /** Markdown shown on the run's page. */
  details: string;
  provider: string;
  language?: string;
}

/**
 * One kind of run (a short, an image batch, …) as data: its ID scheme, workflow, request schema,
 * progress query, views and files. The run service (service.ts), the API's route factory
 * (api/runRoutes.ts) and the CLI serve every kind through this one declaration, so a new kind is
 * one more file in runs/kinds/ and a line in runs/registry.ts.
 */
export interface RunKind<Request = unknown, Input = unknown, Progress = unknown, Result = unknown> {
  /** `short`: the ID prefix, the word in messages and the ReelflowKind search attribute. */
  name: string;
  /** `shorts`: the API's route segment, /v1/shorts. */
  plural: string;
  /** Started by reference, so the workflow type and its argument types come from the code itself. */
  workflow(input: Input): Promise<Result>;
  requestSchema: z.ZodType<Request, unknown>;
  /** Set when runs of this kind start only from another route (which checks and resolves more): POST / is then a 405 saying where. */
  startedFrom?: string;
  maxBodyBytes(config: Config): number;
  /** Fills what depends on this deployment (provider, model); throws ProviderUnavailableError. */
  toInput(request: Request, config: Config, context?: StartContext): Input;
  /** Readable parts of a new ID between the kind and the random suffix. */
  idParts(input: Input): string[];
  present(input: Input): RunPresentation;
  progressQuery: QueryDefinition<Progress>;
  /** A completed run's progress, from its result alone: no worker needs to answer a query. */
  progressOfResult(result: Result): Progress;
  /** Live extras that only Temporal's view of pending activities has (a render's heartbeat percent). */
  withLiveActivities?(progress: Progress, pending: PendingActivity[]): Progress;
  /** "narration, 60% done": where a running run is, for messages. */
  describeProgress(progress: Progress): string;
  /** The few progress fields a 409 carries. */
  briefProgress(progress: Progress): Record<string, unknown>;
  /** What HTTP clients see: fields whitelisted, storage keys and paths never included. */
  publicProgress(progress: Progress, scrub: Scrub): unknown;
  publicResult(id: string, result: Result, scrub: Scrub): unknown;
  /** Links besides self, cancel and webUi (a short's video). */
  extraLinks(self: string): Record<string, string>;
  files: FileRoute<Result>[];
}

/** Keeps the declaration's types while letting the registry hold kinds of every shape. */
export function defineRunKind<Request, Input, Progress, Result>(
  kind: RunKind<Request, Input, Progress, Result>,
): RunKind<Request, Input, Progress, Result> {
  return kind;
}

export function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
