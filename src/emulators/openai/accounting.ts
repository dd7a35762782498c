/**
 * What the emulator saw, for assertions such as "exactly one repair round trip". Keys are kept
 * full only as map keys in memory; everything that leaves (stats(), GET /__emulator/stats) holds
 * masked keys.
 */
import { maskToken } from '../../security/redact.js';
import type { Endpoint, PlanFault } from './faults.js';

/** The key of requests that sent none (keyless mode). */
export const NO_KEY = '(none)';

export interface RequestLogEntry {
  method: string;
  path: string;
  endpoint: Endpoint | 'other';
  model: string | null;
  /** `response_format.type` of a chat request as sent ("none" when absent), null for other endpoints. */
  responseFormat: string | null;
  status: number;
  /** Masked key, or "(none)". */
  key: string;
  /** A chat carrying a `<request>` block. */
  plan: boolean;
  /** A chat whose conversation holds an assistant answer followed by another user message. */
  repair: boolean;
  /** The plan fault applied to this request. */
  fault: PlanFault | null;
}

export interface KeyStats {
  key: string;
  requests: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
}

export interface OpenAiEmulatorStats {
  requests: number;
  byEndpoint: Record<string, number>;
  byModel: Record<string, number>;
  byStatus: Record<string, number>;
  /** Keyed by masked key. */
  byKey: Record<string, KeyStats>;
  unauthorized: number;
  rateLimited: number;
  serverErrors: number;
  /** Planning chats answered 200, and those of them that were repair rounds. */
  plans: number;
  repairs: number;
  /** Σ usage of the chat completions served. */
  usage: { prompt_tokens: number; completion_tokens: number };
  /** Bytes of audio served. */
  speechBytes: number;
  log: RequestLogEntry[];
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

export class Accounting {
  private masks = new Map<string, string>();
  private stats: OpenAiEmulatorStats = Accounting.empty();

  private static empty(): OpenAiEmulatorStats {
    return {
      requests: 0,
      byEndpoint: {},
      byModel: {},
      byStatus: {},
      byKey: {},
      unauthorized: 0,
      rateLimited: 0,
      serverErrors: 0,
      plans: 0,
      repairs: 0,
      usage: { prompt_tokens: 0, completion_tokens: 0 },
      speechBytes: 0,
      log: [],
    };
  }

  /** A stable mask per key; two keys that mask alike get a `~2` suffix so they stay apart. */
  mask(key: string | undefined): string {
    if (key === undefined) return NO_KEY;
    let mask = this.masks.get(key);
    if (mask === undefined) {
      const taken = new Set(this.masks.values());
      mask = maskToken(key);
      for (let i = 2; taken.has(mask); i++) mask = `${maskToken(key)}~${i}`;
      this.masks.set(key, mask);
    }
    return mask;
  }

  record(entry: Omit<RequestLogEntry, 'key'> & { key: string | undefined }): void {
    const s = this.stats;
    const key = this.mask(entry.key);
    const status = String(entry.status);
    s.requests += 1;
    bump(s.byEndpoint, entry.endpoint);
    if (entry.model !== null) bump(s.byModel, entry.model);
    bump(s.byStatus, status);
    const k = (s.byKey[key] ??= { key, requests: 0, byEndpoint: {}, byStatus: {} });
    k.requests += 1;
    bump(k.byEndpoint, entry.endpoint);
    bump(k.byStatus, status);
    if (entry.status === 401) s.unauthorized += 1;
    if (entry.status === 429) s.rateLimited += 1;
    if (entry.status >= 500) s.serverErrors += 1;
    if (entry.plan && entry.status === 200) {
      s.plans += 1;
      if (entry.repair) s.repairs += 1;
    }
    s.log.push({ ...entry, key });
  }

  recordUsage(prompt: number, completion: number): void {
    this.stats.usage.prompt_tokens += prompt;
    this.stats.usage.completion_tokens += completion;
  }

  recordSpeech(bytes: number): void {
    this.stats.speechBytes += bytes;
  }

  snapshot(): OpenAiEmulatorStats {
    return structuredClone(this.stats);
  }

  reset(): void {
    this.masks.clear();
    this.stats = Accounting.empty();
  }
}
