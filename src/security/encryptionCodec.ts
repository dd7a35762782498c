import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { open, seal } from './aesGcm.js';
import type { PayloadKey } from './payloadKeys.js';

/**
 * The payload codec: every payload leaves the process as one AES-256-GCM message holding the whole
 * original payload (its metadata too, so not even its encoding is visible at rest), tagged with
 * the id of the key that sealed it. Encoding uses the current key; decoding finds any configured
 * key by that id, so keys rotate without re-encrypting history. Payloads without this codec's
 * encoding (recorded before encryption, or written with it off) pass through as they are.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const utf8 = new TextEncoder();
const fromUtf8 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

export type PayloadDecryptionProblem = 'payload_key_id_missing' | 'unknown_payload_key' | 'payload_undecryptable';

/** A payload this codec cannot open; `problem` says which of the three ways it failed. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
  constructor(
    readonly problem: PayloadDecryptionProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface EncryptionCodecOptions {
  /** Current key first. */
  keys: readonly PayloadKey[];
  /** False (PAYLOAD_ENCRYPTION=off): new payloads stay plain, older encrypted ones still decode. */
  encrypt: boolean;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly current: PayloadKey;
  private readonly encrypt: boolean;

  constructor({ keys, encrypt }: EncryptionCodecOptions) {
    if (!keys[0]) throw new Error('EncryptionCodec needs at least one key');
    this.current = keys[0];
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.encrypt = encrypt;
  }

  /** The key id new payloads carry (undefined while encryption is off). */
  get currentKeyId(): string | undefined {
    return this.encrypt ? this.current.id : undefined;
  }

  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    if (!this.encrypt) return payloads;
    const { id, key } = this.current;
    return payloads.map((payload) => ({
      metadata: { [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(id) },
      data: seal(ProtoPayload.encode(payload).finish(), key, utf8.encode(id)),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private decodeOne(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || fromUtf8(encoding) !== ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) {
      throw new PayloadDecryptionError(
        'payload_key_id_missing',
        `An encrypted payload has no "${KEY_ID_METADATA}" metadata, so no key can be chosen to decrypt it.`,
      );
    }
    const id = fromUtf8(idBytes);
    const key = this.byId.get(id);
    if (!key) {
      throw new PayloadDecryptionError(
        'unknown_payload_key',
        `A payload was encrypted with key "${id.slice(0, 64)}", which is not configured (keys here: ${this.keyIds.join(', ')}). ` +
          'Add that key to PAYLOAD_KEYS after the current one to read it.',
      );
    }
    let plaintext: Buffer;
    try {
      plaintext = open(payload.data ?? new Uint8Array(), key, idBytes);
    } catch {
      throw new PayloadDecryptionError(
        'payload_undecryptable',
        `A payload encrypted with key "${id}" does not decrypt: it was altered or truncated, or a different key has that id.`,
      );
    }
    return ProtoPayload.decode(plaintext);
  }
}
