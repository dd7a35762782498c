import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The AES-256 keys of the payload codec. The first key of a list is the current one (every new
 * payload is encrypted with it); the others only decrypt what they encrypted before a rotation.
 * Errors name the list and the entry, never key material.
 */
export interface PayloadKey {
  /** Travels in every payload it encrypts, so any process holding the key can find it. */
  id: string;
  key: Buffer;
}

export const PAYLOAD_KEY_BYTES = 32;

/** Key ids go into payload metadata and log lines: short, printable, free of the list's separators. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Standard or URL-safe base64, as `openssl rand -base64 32` and Buffer both write it. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** `k2:<base64>,k1:<base64>` (or one entry a line) as keys, current first; `source` names it in errors. */
export function parsePayloadKeys(text: string, source: string): PayloadKey[] {
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) {
    throw new Error(`${source} names no key; give "<id>:<base64 of 32 random bytes>", the current key first`);
  }
  const keys: PayloadKey[] = [];
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const where = `${source} entry ${i + 1}`;
    if (!KEY_ID.test(id)) {
      throw new Error(`${where} must be "<id>:<base64 key>" with an id of at most 64 letters, digits, ".", "_" or "-"`);
    }
    const material = entry.slice(colon + 1).trim();
    const key = BASE64.test(material) ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (key.length !== PAYLOAD_KEY_BYTES) {
      throw new Error(
        `${where} ("${id}") must be ${PAYLOAD_KEY_BYTES} bytes in base64 (\`openssl rand -base64 32\`), not ${key.length ? `${key.length} bytes` : 'base64'}`,
      );
    }
    if (keys.some((k) => k.id === id)) throw new Error(`${where}: the key id "${id}" is given twice`);
    keys.push({ id, key });
  });
  return keys;
}

export function formatPayloadKeys(keys: readonly PayloadKey[]): string {
  return keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
}

/** The base64 forms of the keys: what redaction has to recognise if one ever reaches a message. */
export function keyMaterial(keys: readonly PayloadKey[]): string[] {
  return keys.map((k) => k.key.toString('base64'));
}

/**
 * The key of a deployment nobody gave PAYLOAD_KEYS: read from `file`, or (with `create`) made once
 * and kept there (0600, in the PAYLOAD_KEYS form). The file lives under DATA_DIR, which workers,
 * the API and `make` share anyway, so every process of the deployment finds the same key.
 * Synchronous: it runs once, while a client or worker is being set up.
 */
export function localPayloadKeys(file: string, { create }: { create: boolean }): PayloadKey[] | undefined {
  const existing = readKeyFile(file);
  if (existing || !create) return existing;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fresh: PayloadKey = { id: `local-${randomBytes(4).toString('hex')}`, key: randomBytes(PAYLOAD_KEY_BYTES) };
  const partial = `${file}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, `${formatPayloadKeys([fresh])}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // link() never replaces a file: when two processes start at once, the first key written wins
    // and the other process reads that one, whole.
    linkSync(partial, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(partial, { force: true });
  }
  return readKeyFile(file);
}

function readKeyFile(file: string): PayloadKey[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parsePayloadKeys(text, `the payload key file ${file}`);
}
