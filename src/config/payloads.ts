import path from 'node:path';
import { z } from 'zod';
import { type PayloadKey, keyMaterial, parsePayloadKeys } from '../security/payloadKeys.js';
import { describeIssues } from '../util/describeIssues.js';

/**
 * Payload encryption and the codec server that lets the Web UI and the temporal CLI read what it
 * encrypted. Errors name variables, never values: a key must not reach a log even when it is wrong.
 */
export interface PayloadsConfig {
  /** `on`: every payload leaves the process encrypted. `off`: new payloads stay plain. */
  encryption: 'on' | 'off';
  /** PAYLOAD_KEYS, current first. Unset: the key in `localKeyFile` (made there while encryption is on). */
  keys?: PayloadKey[];
  localKeyFile: string;
}

export interface CodecServerConfig {
  /** Bearer token for /codec/*; unset, the codec endpoints are off. */
  authToken?: string;
  /** Origins whose pages (the Temporal Web UI) may call the codec endpoints with credentials. */
  allowedOrigins: string[];
}

/** docker compose passes `${VAR:-}` as an empty string: empty means unset. */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema);

const envSchema = z.object({
  PAYLOAD_ENCRYPTION: unsetIfEmpty(z.enum(['on', 'off']).default('on')),
  PAYLOAD_KEYS: unsetIfEmpty(z.string().trim().optional()),
  // Long enough that guessing it is hopeless: `openssl rand -base64 32` gives 44 characters.
  CODEC_AUTH_TOKEN: unsetIfEmpty(z.string().trim().min(32, 'must be at least 32 characters').optional()),
  CODEC_CORS_ORIGINS: unsetIfEmpty(z.string().trim().optional()),
});

/** Where a deployment without PAYLOAD_KEYS keeps its generated key. */
export function localPayloadKeyFile(dataDir: string): string {
  return path.join(dataDir, 'secrets', 'payload-keys');
}

/** Throws an Error naming the variable; parseConfig turns it into a ConfigError. */
export function parsePayloadsConfig(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  uiUrl: string,
): { payloads: PayloadsConfig; codecServer: CodecServerConfig } {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(describeIssues(parsed.error).message);
  const e = parsed.data;
  return {
    payloads: {
      encryption: e.PAYLOAD_ENCRYPTION,
      ...(e.PAYLOAD_KEYS ? { keys: parsePayloadKeys(e.PAYLOAD_KEYS, 'PAYLOAD_KEYS') } : {}),
      localKeyFile: localPayloadKeyFile(dataDir),
    },
    codecServer: {
      ...(e.CODEC_AUTH_TOKEN ? { authToken: e.CODEC_AUTH_TOKEN } : {}),
      allowedOrigins: e.CODEC_CORS_ORIGINS ? e.CODEC_CORS_ORIGINS.split(',').map(originOf) : [new URL(uiUrl).origin],
    },
  };
}

/** The secrets this part of the configuration holds, for redaction. */
export function payloadSecrets(payloads: PayloadsConfig, codecServer: CodecServerConfig): string[] {
  return [...keyMaterial(payloads.keys ?? []), ...(codecServer.authToken ? [codecServer.authToken] : [])];
}

/** A browser sends its origin as scheme://host[:port]; anything else would never match one. */
function originOf(entry: string): string {
  const value = entry.trim();
  let origin: string | undefined;
  try {
    origin = new URL(value).origin;
  } catch {
    origin = undefined;
  }
  if (!origin || origin === 'null' || origin !== value.replace(/\/$/, '')) {
    throw new Error(
      `CODEC_CORS_ORIGINS: "${value}" is not an origin; list origins such as http://localhost:8233, separated by commas`,
    );
  }
  return origin;
}
