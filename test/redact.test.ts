import { describe, expect, it } from 'vitest';
import {
  containsSecretShape,
  maskToken,
  redact,
  redactLogMeta,
  redactSecrets,
  registerSecrets,
} from '../src/security/redact.js';

/** Made-up credentials of each provider's shape; none of them is real. */
const REPLICATE = `r8_${'Ab3'.repeat(12)}Z`;
const OPENAI = `sk-proj-${'q1W2e3R4t5'.repeat(4)}`;
const ELEVENLABS = `sk_${'0a1b2c3d'.repeat(6)}`;
const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('redactSecrets masks every credential shape wherever it appears', () => {
  it.each([
    ['a Replicate token', `Replicate said: invalid token ${REPLICATE}.`, REPLICATE],
    ['an OpenAI key', `401 Incorrect API key provided: ${OPENAI}`, OPENAI],
    ['an ElevenLabs key', `xi-api-key ${ELEVENLABS} is not valid`, ELEVENLABS],
    ['a webhook signing secret', `secret ${WEBHOOK_SECRET} rejected`, WEBHOOK_SECRET],
    ['a bearer header', 'Authorization: Bearer abc123def456ghi789jkl', 'abc123def456ghi789jkl'],
    ['a token= pair', 'secret detail: token=abc123 at /srv/app', 'abc123'],
    ['a JSON api_key field', '{"api_key": "hunter22hunter22"}', 'hunter22hunter22'],
    ['credentials in a URL', 'GET https://user:p4ssw0rd@llm.example.com/v1 failed', 'p4ssw0rd'],
  ])('%s', (_name, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(containsSecretShape(out)).toBe(false);
  });

  it('keeps a short, recognisable tail of provider keys', () => {
    expect(redactSecrets(`key ${REPLICATE}`)).toBe(`key ${maskToken(REPLICATE)}`);
    expect(maskToken(REPLICATE)).toBe(`r8_…${REPLICATE.slice(-4)}`);
  });

  it('replaces a known secret of any shape, such as a legacy 32-hex ElevenLabs key', () => {
    const legacy = '0123456789abcdef0123456789abcdef';
    expect(redactSecrets(`voice failed for key ${legacy}`, [legacy])).not.toContain(legacy);
    registerSecrets([legacy]);
    expect(redact(`again ${legacy}`)).not.toContain(legacy);
  });

  it('leaves ordinary text and already-masked keys alone', () => {
    for (const text of [
      'Basic information about the short',
      'check REPLICATE_API_TOKEN_1 (tokens start with r8_, no spaces)',
      'Replicate rejected key #2 (r8_…a1b2) with 401',
      '{"key":"r8_…a1b2","token":"r8_…c3d4"}',
      'sent Authorization: Bearer r8_…k003',
      'The fox ran to the river at sunset.',
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });

  it('redacts log metadata: strings and errors, one level deep', () => {
    const meta = redactLogMeta({ note: `with ${REPLICATE}`, error: new Error(`boom ${OPENAI}`), count: 3 });
    expect(JSON.stringify(meta)).not.toContain(REPLICATE);
    expect((meta!.error as Error).message).not.toContain(OPENAI);
    expect(meta!.count).toBe(3);
  });
});
