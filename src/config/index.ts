import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { renderQueueFor } from '../domain/taskQueues.js';
import { registerSecrets } from '../security/redact.js';
import { describeIssues } from '../util/describeIssues.js';
import { type AuthConfig, parseAuthConfig } from './auth.js';
import { type CodecServerConfig, type PayloadsConfig, parsePayloadsConfig, payloadSecrets } from './payloads.js';
import { type ProvidersConfig, parseProvidersConfig } from './providers.js';
import { type ReplicateConfig, parseReplicateConfig } from './replicate.js';

/**
 * Every environment variable reelflow reads, parsed once at start. A wrong value fails fast with
 * the variable's name; `.env.example` documents the same list.
 */
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().min(1);

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  REELFLOW_TASK_QUEUE: z.string().min(1).default('reelflow'),
  RENDER_CONCURRENCY: positiveInt.default(Math.max(1, Math.floor(availableParallelism() / 2))),
  DATA_DIR: z.string().min(1).default('./data'),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(8787),
  API_MAX_BODY_BYTES: positiveInt.default(256 * 1024),
  /** How long a plan waits for its approval when the request does not say (1 s to 7 days). */
  APPROVAL_TIMEOUT_SECONDS: positiveInt.max(604_800).default(86_400),
  /** A budget cap (USD) for every run that sets none; unset: runs without a budget have no cap. */
  BUDGET_MAX_USD: z.coerce.number().positive().max(100_000).optional(),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  ESPEAK_PATH: z.string().min(1).default('espeak-ng'),
  RENDER_PRESET: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow']).default('veryfast'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  temporal: { address: string; namespace: string; uiUrl: string; cliPath?: string };
  taskQueue: string;
  renderTaskQueue: string;
  renderConcurrency: number;
  dataDir: string;
  api: {
    host: string;
    port: number;
    maxBodyBytes: number;
    approvalTimeoutSeconds: number;
    defaultBudgetUsd?: number;
    codec: CodecServerConfig;
  };
  tools: { ffmpeg: string; ffprobe: string; espeak: string };
  render: { preset: Env['RENDER_PRESET'] };
  logLevel: Env['LOG_LEVEL'];
  replicate: ReplicateConfig;
  providers: ProvidersConfig;
  payloads: PayloadsConfig;
  auth: AuthConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const { message } = describeIssues(parsed.error);
    throw new ConfigError(`Invalid configuration: ${message}. See .env.example for every variable.`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  let replicate: ReplicateConfig;
  let payloads: ReturnType<typeof parsePayloadsConfig>;
  let auth: AuthConfig;
  try {
    replicate = parseReplicateConfig(env);
    auth = parseAuthConfig(env);
    payloads = parsePayloadsConfig(env, dataDir, e.TEMPORAL_UI_URL);
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${(err as Error).message}. See .env.example for every variable.`);
  }
  const providers = parseProvidersConfig(env);
  if (!providers.config) {
    throw new ConfigError(
      `Invalid configuration: ${describeIssues(providers.issues!).message}. See .env.example for every variable.`,
    );
  }
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      uiUrl: e.TEMPORAL_UI_URL.replace(/\/$/, ''),
      cliPath: e.TEMPORAL_CLI_PATH,
    },
    taskQueue: e.REELFLOW_TASK_QUEUE,
    renderTaskQueue: renderQueueFor(e.REELFLOW_TASK_QUEUE),
    renderConcurrency: e.RENDER_CONCURRENCY,
    dataDir,
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      maxBodyBytes: e.API_MAX_BODY_BYTES,
      approvalTimeoutSeconds: e.APPROVAL_TIMEOUT_SECONDS,
      ...(e.BUDGET_MAX_USD ? { defaultBudgetUsd: e.BUDGET_MAX_USD } : {}),
      codec: payloads.codecServer,
    },
    tools: { ffmpeg: e.FFMPEG_PATH, ffprobe: e.FFPROBE_PATH, espeak: e.ESPEAK_PATH },
    render: { preset: e.RENDER_PRESET },
    logLevel: e.LOG_LEVEL,
    replicate,
    providers: providers.config,
    payloads: payloads.payloads,
    auth,
  };
}

let cached: Config | undefined;

/** Loads `.env` (if present, without overriding real variables) and parses the environment once. */
export function loadConfig(): Config {
  if (!cached) {
    if (existsSync('.env')) process.loadEnvFile('.env');
    cached = parseConfig(process.env);
    // Anything that logs or reports from here on masks these wherever they show up.
    const { llm, speech } = cached.providers;
    registerSecrets([
      ...cached.replicate.keys.map((k) => k.token),
      cached.replicate.webhook?.secret,
      llm?.apiKey,
      speech.openai?.apiKey,
      speech.elevenlabs?.apiKey,
      ...payloadSecrets(cached.payloads, cached.api.codec),
    ]);
  }
  return cached;
}
