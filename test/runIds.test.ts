import { describe, expect, it } from 'vitest';
import { shortRequestSchema } from '../src/domain/shortRequest.js';
import { idForIdempotencyKey, isIdOfKind, newRunId, requestFingerprint } from '../src/runs/ids.js';
import { batchKind } from '../src/runs/kinds/batch.js';
import { shortKind } from '../src/runs/kinds/short.js';
import { RUN_KINDS, kindForId } from '../src/runs/registry.js';

describe('run ids', () => {
  const shortId = (story: string) =>
    newRunId(shortKind.name, ...shortKind.idParts(shortRequestSchema.parse({ story })));

  it('are readable for Latin stories and URL-safe for all', () => {
    expect(shortId('A small fox woke up in the forest.')).toMatch(/^short-en-a-small-fox-woke-up-[a-z0-9]{6}$/);
    expect(shortId('Лиса проснулась.')).toMatch(/^short-ru-[a-z0-9]{6}$/);
    expect(shortId('小狐狸醒了。')).toMatch(/^short-zh-[a-z0-9]{6}$/);
    const tasks = [{ prompt: 'A red car' }, { prompt: 'A blue boat' }];
    expect(newRunId(batchKind.name, ...batchKind.idParts({ tasks, download: true }))).toMatch(
      /^batch-2tasks-[a-z0-9]{6}$/,
    );
  });

  it('hash idempotency keys so the key never appears, and fingerprint requests stably', () => {
    const id = idForIdempotencyKey('short', 'my-secret-key');
    expect(id).toBe(idForIdempotencyKey('short', 'my-secret-key'));
    expect(id).toMatch(/^short-idem-[0-9a-f]{24}$/);
    expect(id).not.toContain('secret');
    expect(requestFingerprint({ a: 1, b: { c: 2 } })).toBe(requestFingerprint({ b: { c: 2 }, a: 1 }));
    expect(requestFingerprint({ a: 1, b: undefined })).toBe(requestFingerprint({ a: 1 }));
    expect(requestFingerprint({ a: 1 })).not.toBe(requestFingerprint({ a: 2 }));
  });

  it('tell the kinds apart by their prefix only', () => {
    expect(kindForId('short-en-a-fox-abc123')).toBe(RUN_KINDS.find((k) => k.name === 'short'));
    expect(kindForId('batch-2tasks-abc123')?.name).toBe('batch');
    expect(kindForId('imageBatch-1')).toBeUndefined();
    expect(isIdOfKind('batch', 'batch-')).toBe(false);
    expect(isIdOfKind('batch', 'batch-a/b')).toBe(false);
    expect(isIdOfKind('batch', 'short-batch-x')).toBe(false);
  });
});
