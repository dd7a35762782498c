import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM, sealed as `iv ‖ ciphertext ‖ tag`. Every message gets a fresh random 96-bit IV (GCM
 * must never see one IV twice under a key; random IVs keep that safe for billions of messages per
 * key, and rotation starts a new key long before). The tag covers `aad` as well, so whatever the
 * caller binds there (the key id) cannot be swapped without the open failing.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function seal(plaintext: Uint8Array, key: Buffer, aad: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** The plaintext, or throws when the message was altered, truncated or sealed with another key. */
export function open(sealed: Uint8Array, key: Buffer, aad: Uint8Array): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('the message is shorter than its IV and tag');
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
}
