/**
 * The one place that masks secrets. Every text that leaves a process (log lines, failure messages,
 * API bodies, CLI output) passes through `redactSecrets`; a configured secret is replaced wherever
 * it appears, and anything shaped like a provider key or a credential header is masked even when
 * nobody told us about it (a user's own token quoted back by a provider, say).
 */

/** `r8_…a1b2`: enough to tell keys apart, never enough to use one. */
export function maskToken(token: string): string {
  return token.length <= 8 ? '…' : `${token.slice(0, 3)}…${token.slice(-4)}`;
}

/** Shapes of credentials we may meet, each with the part to keep visible in front of the mask. */
const SECRET_SHAPES: { pattern: RegExp; keep: (match: string) => string }[] = [
  // Replicate API tokens: r8_ and 37 more characters.
  { pattern: /\br8_[A-Za-z0-9_-]{8,}/g, keep: maskToken },
  // OpenAI-style keys (sk-…, sk-proj-…, sk-svcacct-…), also used by OpenRouter and other compatible servers.
  { pattern: /\bsk-(?:proj-|svcacct-|admin-|or-v1-)?[A-Za-z0-9_-]{16,}/g, keep: maskToken },
  // ElevenLabs keys: sk_ and 48 hex digits.
  { pattern: /\bsk_[A-Za-z0-9]{24,}/g, keep: maskToken },
  // Standard Webhooks signing secrets.
  { pattern: /\bwhsec_[A-Za-z0-9+/=]{8,}/g, keep: () => 'whsec_…' },
  // Credentials in an Authorization header or after a scheme word.
  // (16+ characters with a digit, so a sentence such as "Basic information" is left alone).
  {
    pattern: /\b(Bearer|Token|Basic)\s+(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}/gi,
    keep: (m) => `${m.split(/\s+/)[0]} …`,
  },
  // key=value and "key": "value" pairs whose name says they hold a secret.
  {
    pattern:
      /\b((?:xi-)?api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|password|passwd|authorization)(["']?\s*[:=]\s*["']?)(?!(?:Bearer|Token|Basic)\b)[^\s"'&,;)}]{4,}/gi,
    // A value masked already (`r8_…a1b2`) stays as it is: it is what a person uses to tell keys apart.
    keep: (m) => (m.includes('…') ? m : m.replace(/(["']?\s*[:=]\s*["']?)[^\s"'&,;)}]+$/, '$1…')),
  },
  // user:password@ in URLs.
  { pattern: /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, keep: (m) => m.replace(/\/\/.*@/, '//…@') },
];

/**
 * `text` with every `known` secret (configured tokens, a user's own key) masked, and everything
 * shaped like a credential masked too. Cheap enough for every log line.
 */
export function redactSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const secret of known) {
    if (secret.length >= 6) out = out.split(secret).join(maskToken(secret));
  }
  for (const { pattern, keep } of SECRET_SHAPES) out = out.replace(pattern, keep);
  return out;
}

/** True when `text` still holds something shaped like a credential (for tests and assertions). */
export function containsSecretShape(text: string): boolean {
  return SECRET_SHAPES.some(({ pattern }) => new RegExp(pattern.source, pattern.flags.replace('g', '')).test(text));
}

/**
 * Secrets this process was configured with, registered once at start, so code far from the
 * configuration (a log line, a failure raised deep in a client) can redact them without being
 * handed them. Holds values only in memory.
 */
const registered = new Set<string>();

export function registerSecrets(secrets: Iterable<string | undefined>): void {
  for (const secret of secrets) if (secret && secret.length >= 6) registered.add(secret);
}

/** `redactSecrets` with every registered secret as well as `known`. */
export function redact(text: string, known: readonly string[] = []): string {
  return redactSecrets(text, [...registered, ...known]);
}

/** An error with its message and stack redacted, its name kept: what may be logged of it. */
export function redactError(err: unknown): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? redact(err) : err;
  const copy = new Error(redact(err.message));
  copy.name = err.name;
  copy.stack = err.stack && redact(err.stack);
  return copy;
}

/** Log metadata with every string and error in it redacted (one level deep: that is what loggers get). */
export function redactLogMeta<T extends Record<string, unknown>>(meta: T | undefined): T | undefined {
  if (!meta) return meta;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    out[key] = typeof value === 'string' || value instanceof Error ? redactError(value) : value;
  }
  return out as T;
}
