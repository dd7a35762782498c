import type { Payload } from '@temporalio/common';
import { payloadCodecFor } from '../../src/temporal/dataConverter.js';
import { testConfig } from './temporal.js';

/**
 * A workflow history (or any part of one: events, pending activities) as searchable text, its
 * payloads (inputs, results, heartbeat details, failure attributes) decrypted with the suite's
 * codec and shown as text, so a secret inside any of them shows up in the text.
 */
export async function historyText(history: unknown): Promise<string> {
  return rawHistoryText(await decodePayloadsIn(history));
}

/** The same text as stored on the server: what anyone reading Temporal's database would see. */
export function rawHistoryText(history: unknown): string {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const walk = (value: unknown): unknown => {
    if (value instanceof Uint8Array) return decoder.decode(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  return JSON.stringify(walk(history));
}

async function decodePayloadsIn(value: unknown): Promise<unknown> {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Promise.all(value.map(decodePayloadsIn));
  if (isPayload(value)) {
    const codec = payloadCodecFor(testConfig.payloads);
    return codec ? (await codec.decode([value]))[0] : value;
  }
  const entries = await Promise.all(
    Object.entries(value as Record<string, unknown>).map(async ([k, v]) => [k, await decodePayloadsIn(v)] as const),
  );
  return Object.fromEntries(entries);
}

function isPayload(value: object): value is Payload {
  const metadata = (value as Payload).metadata;
  return typeof metadata === 'object' && metadata !== null && metadata.encoding instanceof Uint8Array;
}
