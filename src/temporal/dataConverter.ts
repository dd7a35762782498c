import type { DataConverter, LoadedDataConverter, Payload } from '@temporalio/common';
import { fileURLToPath } from 'node:url';
import type { PayloadsConfig } from '../config/payloads.js';
import { EncryptionCodec } from '../security/encryptionCodec.js';
import { keyMaterial, localPayloadKeys } from '../security/payloadKeys.js';
import { registerSecrets } from '../security/redact.js';

/**
 * The one data converter of every Temporal client and worker reelflow makes: the payload codec
 * (src/security/encryptionCodec.ts) plus, while encryption is on, the failure converter that moves
 * messages and stack traces into encrypted payloads. Codecs run outside the workflow sandbox, so
 * the same codec object serves clients and workers; the failure converter is named by path,
 * because the sandbox loads it from the workflow bundle.
 */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failureConverter.cjs', import.meta.url));

const codecs = new WeakMap<PayloadsConfig, EncryptionCodec | null>();
const converters = new WeakMap<PayloadsConfig, DataConverter>();

/**
 * The codec for `payloads`, made once per configuration; undefined when there is nothing to
 * encrypt or decrypt with (encryption off and no key anywhere). With encryption on and no
 * PAYLOAD_KEYS, this is where the DATA_DIR key is made on first use.
 */
export function payloadCodecFor(payloads: PayloadsConfig): EncryptionCodec | undefined {
  let codec = codecs.get(payloads);
  if (codec === undefined) {
    const encrypt = payloads.encryption === 'on';
    const keys = payloads.keys ?? localPayloadKeys(payloads.localKeyFile, { create: encrypt });
    if (keys) registerSecrets(keyMaterial(keys));
    codec = keys ? new EncryptionCodec({ keys, encrypt }) : null;
    codecs.set(payloads, codec);
  }
  return codec ?? undefined;
}

/** `dataConverter` for `new Client`, `Worker.create`, `Worker.runReplayHistory` and the test env. */
export function dataConverterFor(payloads: PayloadsConfig): DataConverter {
  let converter = converters.get(payloads);
  if (!converter) {
    const codec = payloadCodecFor(payloads);
    converter = {
      payloadCodecs: codec ? [codec] : [],
      // Plain failure text while payloads are plain too: the Web UI shows it without a codec server.
      ...(payloads.encryption === 'on' ? { failureConverterPath: FAILURE_CONVERTER_PATH } : {}),
    };
    converters.set(payloads, converter);
  }
  return converter;
}

/**
 * A raw payload (from a fetched history, a describe's pending activities) as its value: codecs in
 * reverse order, then the payload converter, as the SDK does for what it decodes itself.
 */
export async function decodePayload<T>(converter: LoadedDataConverter, payload: Payload): Promise<T> {
  let payloads = [payload];
  for (const codec of [...converter.payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return converter.payloadConverter.fromPayload<T>(payloads[0]!);
}

/** "Payload encryption: on, current key k2 (keys k2, k1 from PAYLOAD_KEYS)": ids only, never keys. */
export function describePayloadEncryption(payloads: PayloadsConfig): string {
  const codec = payloadCodecFor(payloads);
  const source = payloads.keys ? 'PAYLOAD_KEYS' : payloads.localKeyFile;
  if (!codec) return 'Payload encryption: off (PAYLOAD_ENCRYPTION=off); payloads are stored as plain JSON';
  const ids = codec.keyIds.join(', ');
  if (!codec.currentKeyId)
    return `Payload encryption: off; payloads encrypted before still decode (keys ${ids} from ${source})`;
  const local = payloads.keys ? '' : '; set PAYLOAD_KEYS to manage keys yourself';
  return `Payload encryption: on, current key ${codec.currentKeyId} (keys ${ids} from ${source}${local})`;
}
