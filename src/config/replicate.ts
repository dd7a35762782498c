import { createHash } from 'node:crypto';
import { z } from 'zod';
import { maskToken } from '../security/redact.js';
import { MODEL_REF } from '../domain/fields.js';

/**
 * The Replicate key pool, read from REPLICATE_API_TOKEN_1..N (or a single REPLICATE_API_TOKEN).
 * Errors name variables, never values: a token must not reach a log even when it is wrong.
 */
export const DEFAULT_REPLICATE_BASE_URL = 'https://api.replicate.com/v1';

export interface ReplicateKey {
  /** 1-based, as in REPLICATE_API_TOKEN_<index>. */
  index: number;
  token: string;
  concurrency: number;
  /** Safe to show anywhere: `r8_…a1b2`. */
  masked: string;
  /** Short hash that tells keys apart in heartbeats and history without revealing them. */
  fingerprint: string;
}

export interface ReplicateConfig {
  keys: ReplicateKey[];
  /** Indices of the keys this process serves (WORKER_REPLICATE_KEYS); each key on one process only. */
  servedKeys: number[];
  baseUrl: string;
  defaultModel: string;
  /** Replicate allows 600 prediction creates per minute per account. */
  createsPerSecond: number;
  /** Push instead of poll: set when REPLICATE_WEBHOOK_URL is. Absent means pure polling. */
  webhook?: ReplicateWebhookConfig;
}

export interface ReplicateWebhookConfig {
  /** Public URL Replicate POSTs to; reaches `listen` through whatever proxy the deployment has. */
  url: string;
  listen: { host: string; port: number };
  /**
   * Signing secret (`whsec_…`) for every key. Each Replicate account has its own, so this only
   * fits a single account; unset, the worker fetches each key's secret from Replicate once.
   */
  secret?: string;
}

const TOKEN_VAR = /^REPLICATE_API_TOKEN_(\d+)$/;
const count = z.coerce.number().int().min(1).max(1000);

export function fingerprintToken(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

export function parseReplicateConfig(env: NodeJS.ProcessEnv): ReplicateConfig {
  const problems: string[] = [];
  const numbered = Object.keys(env)
    .map((name) => TOKEN_VAR.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && (env[m[0]] ?? '').trim() !== '')
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  numbered.forEach((n, i) => {
    if (n !== i + 1)
      problems.push(
        `REPLICATE_API_TOKEN_${i + 1} is missing: keys must be numbered 1..N without gaps (found ${numbered.join(', ')})`,
      );
  });

  const defaultConcurrency = parseCount(env, 'REPLICATE_KEY_CONCURRENCY', 5, problems);
  const tokens: { index: number; token: string; concurrencyVar: string }[] = numbered.length
    ? numbered.map((n) => ({
        index: n,
        token: env[`REPLICATE_API_TOKEN_${n}`]!.trim(),
        concurrencyVar: `REPLICATE_API_TOKEN_${n}_CONCURRENCY`,
      }))
    : env.REPLICATE_API_TOKEN?.trim()
      ? [{ index: 1, token: env.REPLICATE_API_TOKEN.trim(), concurrencyVar: 'REPLICATE_API_TOKEN_CONCURRENCY' }]
      : [];
  const keys = tokens.map(({ index, token, concurrencyVar }) => {
    if (/\s/.test(token)) problems.push(`${concurrencyVar.replace('_CONCURRENCY', '')} contains whitespace`);
    return {
      index,
      token,
      concurrency: parseCount(env, concurrencyVar, defaultConcurrency, problems),
      masked: maskToken(token),
      fingerprint: fingerprintToken(token),
    };
  });
  const servedKeys = parseServedKeys(env.WORKER_REPLICATE_KEYS, keys, problems);

  const baseUrl = z.url().safeParse(env.REPLICATE_BASE_URL ?? DEFAULT_REPLICATE_BASE_URL);
  if (!baseUrl.success) problems.push('REPLICATE_BASE_URL must be a URL such as https://api.replicate.com/v1');
  const defaultModel = (env.REPLICATE_IMAGE_MODEL ?? 'black-forest-labs/flux-schnell').trim();
  if (!MODEL_REF.test(defaultModel))
    problems.push('REPLICATE_IMAGE_MODEL must look like owner/name or owner/name:version');

  const webhook = parseWebhook(env, problems);

  if (problems.length) throw new Error(problems.join('; '));
  return {
    keys,
    servedKeys,
    baseUrl: (baseUrl.data ?? '').replace(/\/$/, ''),
    defaultModel,
    createsPerSecond: 600 / 60,
    ...(webhook ? { webhook } : {}),
  };
}

const LISTEN = /^(?:\[([0-9a-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/i;

/** REPLICATE_WEBHOOK_URL / _LISTEN / _SECRET. Problems name the variable; the secret never appears. */
function parseWebhook(env: NodeJS.ProcessEnv, problems: string[]): ReplicateWebhookConfig | undefined {
  const url = env.REPLICATE_WEBHOOK_URL?.trim() ?? '';
  const listen = env.REPLICATE_WEBHOOK_LISTEN?.trim() ?? '';
  const secret = env.REPLICATE_WEBHOOK_SECRET?.trim() ?? '';
  if (url === '') {
    // Half a configuration is a mistake, not a request for polling: say so instead of ignoring it.
    if (listen !== '')
      problems.push('REPLICATE_WEBHOOK_LISTEN is set but REPLICATE_WEBHOOK_URL is not: set both to receive webhooks');
    return undefined;
  }
  let parsedUrl: URL | undefined;
  try {
    parsedUrl = new URL(url);
  } catch {
    parsedUrl = undefined;
  }
  if (!parsedUrl || !/^https?:$/.test(parsedUrl.protocol)) {
    problems.push(
      'REPLICATE_WEBHOOK_URL must be an http(s) URL Replicate can reach, such as https://worker1.example.com/replicate/webhook',
    );
  }
  const m = LISTEN.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (listen === '')
    problems.push(
      'REPLICATE_WEBHOOK_LISTEN is required with REPLICATE_WEBHOOK_URL (host:port to listen on, such as 0.0.0.0:8791)',
    );
  else if (!m || port > 65535)
    problems.push('REPLICATE_WEBHOOK_LISTEN must be host:port, such as 0.0.0.0:8791 or [::]:8791');
  if (secret !== '' && !/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret))
    problems.push('REPLICATE_WEBHOOK_SECRET must look like whsec_<base64>');
  if (!parsedUrl || !m) return undefined;
  return { url: parsedUrl.toString(), listen: { host: m[1] ?? m[2]!, port }, ...(secret ? { secret } : {}) };
}

function parseCount(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = count.safeParse(raw);
  if (!parsed.success) {
    problems.push(`${name} must be a whole number from 1 to 1000`);
    return fallback;
  }
  return parsed.data;
}

function parseServedKeys(raw: string | undefined, keys: { index: number }[], problems: string[]): number[] {
  const all = keys.map((k) => k.index);
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'all') return all;
  if (raw.trim() === 'none') return [];
  const chosen = raw.split(',').map((s) => Number(s.trim()));
  const unknown = chosen.filter((n) => !all.includes(n));
  if (chosen.some((n) => !Number.isInteger(n)) || unknown.length) {
    problems.push(
      `WORKER_REPLICATE_KEYS must be "all", "none" or key numbers among ${all.join(',') || '(no keys configured)'}`,
    );
    return [];
  }
  return [...new Set(chosen)];
}
