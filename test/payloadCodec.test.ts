import { ApplicationFailure, type Payload, defaultPayloadConverter } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.js';
import { ENCRYPTED_ENCODING, EncryptionCodec, PayloadDecryptionError } from '../src/security/encryptionCodec.js';
import { type PayloadKey, formatPayloadKeys, localPayloadKeys } from '../src/security/payloadKeys.js';
import { FAILURE_CONVERTER_PATH, dataConverterFor, describePayloadEncryption } from '../src/temporal/dataConverter.js';
import { tempDataDir } from './support/temporal.js';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const k1 = key('k1');
const k2 = key('k2');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const json = (value: unknown) => defaultPayloadConverter.toPayload(value);
/** A payload as base64 strings, so Buffers and Uint8Arrays of the same bytes compare equal. */
const bytesOf = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

async function failureOf(promise: Promise<unknown>): Promise<PayloadDecryptionError> {
  const err = await promise.then(
    () => expect.unreachable('decoding should fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PayloadDecryptionError);
  return err as PayloadDecryptionError;
}

describe('the encryption codec', () => {
  const codec = new EncryptionCodec({ keys: [k1], encrypt: true });

  it('round-trips payloads of every kind, metadata included', async () => {
    const payloads: Payload[] = [
      json({ story: 'The owl Periwinkle counted the stars.', n: 3 }),
      json(null),
      { metadata: { encoding: Buffer.from('binary/plain'), extra: Buffer.from('kept') }, data: randomBytes(4096) },
      { metadata: { encoding: Buffer.from('binary/plain') }, data: new Uint8Array() },
    ];
    const decoded = await codec.decode(await codec.encode(payloads));
    expect(decoded.map(bytesOf)).toEqual(payloads.map(bytesOf));
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toEqual({
      story: 'The owl Periwinkle counted the stars.',
      n: 3,
    });
  });

  it('hides the data and its encoding; only the encoding name and the key id show', async () => {
    const [sealed] = await codec.encode([json({ story: 'The owl Periwinkle counted the stars.' })]);
    expect(Object.keys(sealed!.metadata!).sort()).toEqual(['encoding', 'encryption-key-id']);
    expect(text(sealed!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata!['encryption-key-id'])).toBe('k1');
    expect(text(sealed!.data)).not.toContain('Periwinkle');
    expect(text(sealed!.data)).not.toContain('json/plain');
    // A fresh IV every time: the same value never encrypts to the same bytes.
    const [again] = await codec.encode([json({ story: 'The owl Periwinkle counted the stars.' })]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(sealed!.data!))).toBe(false);
  });

  it('passes plain payloads through on decode (histories from before encryption)', async () => {
    const plain = [json({ recorded: 'before encryption' }), { data: Buffer.from('no metadata at all') }];
    expect(await codec.decode(plain)).toEqual(plain);
  });

  it('rotates: new payloads carry the new key id, payloads of the old key still decrypt', async () => {
    const old = await codec.encode([json('sealed under k1')]);
    const rotated = new EncryptionCodec({ keys: [k2, k1], encrypt: true });
    expect(rotated.currentKeyId).toBe('k2');
    const fresh = await rotated.encode([json('sealed under k2')]);
    expect(text(fresh[0]!.metadata!['encryption-key-id'])).toBe('k2');
    expect(defaultPayloadConverter.fromPayload((await rotated.decode(old))[0]!)).toBe('sealed under k1');
    expect(defaultPayloadConverter.fromPayload((await rotated.decode(fresh))[0]!)).toBe('sealed under k2');
    // Once k1 is retired, only what k2 sealed can be read.
    const retired = new EncryptionCodec({ keys: [k2], encrypt: true });
    expect((await failureOf(retired.decode(old))).problem).toBe('unknown_payload_key');
  });

  it('refuses tampered ciphertext, a truncated one and a swapped key id', async () => {
    const both = new EncryptionCodec({ keys: [k1, k2], encrypt: true });
    const [sealed] = await both.encode([json({ amountUsd: 10 })]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20]! ^= 0x01;
    const tampered = await failureOf(both.decode([{ ...sealed, data: flipped }]));
    expect(tampered.problem).toBe('payload_undecryptable');
    expect(tampered.message).toMatch(/key "k1" does not decrypt: it was altered or truncated/);
    const short = await failureOf(both.decode([{ ...sealed, data: Buffer.from(sealed!.data!).subarray(0, 20) }]));
    expect(short.problem).toBe('payload_undecryptable');
    // The key id is authenticated too: pointing the payload at another configured key fails.
    const swapped = { ...sealed, metadata: { ...sealed!.metadata, 'encryption-key-id': Buffer.from('k2') } };
    expect((await failureOf(both.decode([swapped]))).problem).toBe('payload_undecryptable');
  });

  it('refuses an unknown key id with a message that names it and what to do', async () => {
    const [sealed] = await new EncryptionCodec({ keys: [key('k0')], encrypt: true }).encode([json('x')]);
    const err = await failureOf(new EncryptionCodec({ keys: [k2, k1], encrypt: true }).decode([sealed!]));
    expect(err.problem).toBe('unknown_payload_key');
    expect(err.message).toBe(
      'A payload was encrypted with key "k0", which is not configured (keys here: k2, k1). ' +
        'Add that key to PAYLOAD_KEYS after the current one to read it.',
    );
    const noId = { ...sealed, metadata: { encoding: sealed!.metadata!.encoding! } };
    expect((await failureOf(codec.decode([noId]))).problem).toBe('payload_key_id_missing');
  });

  it('with encryption off, writes plain payloads and still reads encrypted ones', async () => {
    const off = new EncryptionCodec({ keys: [k1], encrypt: false });
    const plain = [json('stays plain')];
    expect(await off.encode(plain)).toBe(plain);
    expect(off.currentKeyId).toBeUndefined();
    const sealed = await codec.encode([json('written while it was on')]);
    expect(defaultPayloadConverter.fromPayload((await off.decode(sealed))[0]!)).toBe('written while it was on');
  });
});

describe('payload configuration', () => {
  const material = randomBytes(32).toString('base64');

  it('reads PAYLOAD_KEYS current first, and defaults to encryption on with a DATA_DIR key', () => {
    const config = parseConfig({ PAYLOAD_KEYS: `k2:${material}, k1:${randomBytes(32).toString('base64')}` });
    expect(config.payloads.encryption).toBe('on');
    expect(config.payloads.keys!.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(config.payloads.keys![0]!.key.toString('base64')).toBe(material);
    const defaults = parseConfig({ DATA_DIR: '/srv/reelflow' });
    expect(defaults.payloads).toEqual({ encryption: 'on', localKeyFile: '/srv/reelflow/secrets/payload-keys' });
    expect(defaults.api.codec).toEqual({ allowedOrigins: ['http://localhost:8233'] });
  });

  it.each([
    ['no id', material, /PAYLOAD_KEYS entry 1 must be "<id>:<base64 key>"/],
    [
      'a short key',
      `k1:${randomBytes(16).toString('base64')}`,
      /PAYLOAD_KEYS entry 1 \("k1"\) must be 32 bytes.*not 16 bytes/,
    ],
    ['not base64', 'k1:not base64 at all!', /PAYLOAD_KEYS entry 1 \("k1"\) must be 32 bytes in base64/],
    ['an id twice', `k1:${material},k1:${material}`, /PAYLOAD_KEYS entry 2: the key id "k1" is given twice/],
  ])('refuses PAYLOAD_KEYS with %s, naming the entry and never the key', (_name, value, message) => {
    expect(() => parseConfig({ PAYLOAD_KEYS: value })).toThrow(ConfigError);
    expect(() => parseConfig({ PAYLOAD_KEYS: value })).toThrow(message);
    try {
      parseConfig({ PAYLOAD_KEYS: value });
    } catch (err) {
      expect((err as Error).message).not.toContain(material);
    }
  });

  it('refuses a wrong PAYLOAD_ENCRYPTION, a short CODEC_AUTH_TOKEN and an origin with a path', () => {
    expect(() => parseConfig({ PAYLOAD_ENCRYPTION: 'true' })).toThrow(/PAYLOAD_ENCRYPTION/);
    expect(() => parseConfig({ CODEC_AUTH_TOKEN: 'short-secret' })).toThrow(
      /CODEC_AUTH_TOKEN: must be at least 32 characters/,
    );
    expect(() => parseConfig({ CODEC_AUTH_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
    expect(() => parseConfig({ CODEC_CORS_ORIGINS: 'http://localhost:8233/namespaces' })).toThrow(
      /CODEC_CORS_ORIGINS: "http:\/\/localhost:8233\/namespaces" is not an origin/,
    );
    expect(
      parseConfig({ CODEC_CORS_ORIGINS: 'http://localhost:8080, https://temporal.example.com' }).api.codec,
    ).toMatchObject({ allowedOrigins: ['http://localhost:8080', 'https://temporal.example.com'] });
  });
});

describe('the DATA_DIR key and the data converter', () => {
  it('makes a key once (0600), and every later reader gets the same one', async () => {
    const dataDir = await tempDataDir();
    const config = parseConfig({ DATA_DIR: dataDir });
    expect(localPayloadKeys(config.payloads.localKeyFile, { create: false })).toBeUndefined();
    const first = localPayloadKeys(config.payloads.localKeyFile, { create: true })!;
    const second = localPayloadKeys(config.payloads.localKeyFile, { create: true })!;
    expect(formatPayloadKeys(second)).toBe(formatPayloadKeys(first));
    expect(first[0]!.id).toMatch(/^local-[0-9a-f]{8}$/);
    expect(statSync(config.payloads.localKeyFile).mode & 0o777).toBe(0o600);
    expect(path.relative(dataDir, config.payloads.localKeyFile)).toBe(path.join('secrets', 'payload-keys'));
    // The log line names the key id and the file, never the key.
    const line = describePayloadEncryption(config.payloads);
    expect(line).toContain(`current key ${first[0]!.id}`);
    expect(line).not.toContain(readFileSync(config.payloads.localKeyFile, 'utf8').split(':')[1]!.trim());
  });

  it('is made once per configuration, with the encrypting failure converter only while encryption is on', async () => {
    const on = parseConfig({ DATA_DIR: await tempDataDir() }).payloads;
    expect(dataConverterFor(on)).toBe(dataConverterFor(on));
    expect(dataConverterFor(on)).toMatchObject({ failureConverterPath: FAILURE_CONVERTER_PATH });
    expect(dataConverterFor(on).payloadCodecs).toHaveLength(1);
    const offDir = await tempDataDir();
    const off = parseConfig({ DATA_DIR: offDir, PAYLOAD_ENCRYPTION: 'off' }).payloads;
    expect(dataConverterFor(off)).toEqual({ payloadCodecs: [] });
    // Off never makes a key.
    expect(localPayloadKeys(off.localKeyFile, { create: false })).toBeUndefined();
  });

  it("the failure converter moves a failure's message and stack into an encoded payload", () => {
    const { failureConverter } = createRequire(import.meta.url)(FAILURE_CONVERTER_PATH) as {
      failureConverter: { errorToFailure(err: unknown, pc: unknown): { message: string; encodedAttributes?: Payload } };
    };
    const failure = failureConverter.errorToFailure(
      ApplicationFailure.create({ message: 'the story of Periwinkle failed' }),
      defaultPayloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(defaultPayloadConverter.fromPayload(failure.encodedAttributes!)).toMatchObject({
      message: 'the story of Periwinkle failed',
    });
  });
});
