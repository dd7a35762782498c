import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as workflows from '../src/workflows/index.js';
import { testDataConverter, workflowBundle } from './support/temporal.js';

/**
 * Determinism guard. Every workflow has histories recorded from real runs of every version that
 * ever shipped (test/fixtures/histories/<workflowType>/*.json), and today's code must replay all
 * of them. If this fails after a workflow change, guard the change with patched() (runs in flight
 * would fail otherwise) and record the new path with `scripts/recordHistory.ts --as <name>`; never
 * re-record over an old file.
 *
 * Replay runs with the suite's data converter, which encrypts: the recordings are plain (recorded
 * with PAYLOAD_ENCRYPTION=off, as every run before encryption was), and the codec passes payloads
 * without its encoding through on decode. Encrypted histories replay in test/payloadCodec.test.ts.
 */
const HISTORIES = fileURLToPath(new URL('./fixtures/histories/', import.meta.url));
const NONDETERMINISTIC = fileURLToPath(new URL('./fixtures/nondeterministic/', import.meta.url));

interface Recording {
  workflowId: string;
  history: unknown;
}

async function load(file: string): Promise<Recording> {
  return JSON.parse(await readFile(file, 'utf8')) as Recording;
}

async function recordingsOf(workflowType: string): Promise<string[]> {
  const dir = path.join(HISTORIES, workflowType);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json')).map((n) => path.join(dir, n));
}

async function replayOptions() {
  return { workflowBundle: await workflowBundle(), dataConverter: testDataConverter };
}

const workflowTypes = Object.entries(workflows)
  .filter(([, value]) => typeof value === 'function')
  .map(([name]) => name);

describe('recorded histories replay on today’s workflow code', () => {
  it('every exported workflow has at least one recorded history', async () => {
    expect(workflowTypes.length).toBeGreaterThan(0);
    for (const type of workflowTypes) {
      expect((await recordingsOf(type)).length, `no history recorded for ${type}`).toBeGreaterThan(0);
    }
  });

  it('the recordings are plain and replay through the encrypting codec', async () => {
    expect(testDataConverter.payloadCodecs?.length, 'the suite encrypts').toBe(1);
    for (const type of workflowTypes) {
      for (const file of await recordingsOf(type)) {
        const text = await readFile(file, 'utf8');
        // "binary/encrypted" in base64, as payload metadata is stored.
        expect(text, file).not.toContain(Buffer.from('binary/encrypted').toString('base64'));
      }
    }
  });

  for (const type of workflowTypes) {
    it(`${type}: replays every recording`, async () => {
      const files = await recordingsOf(type);
      for (const file of files) {
        const { workflowId, history } = await load(file);
        const parsed = historyFromJSON(history);
        expect(parsed.events?.length ?? 0, file).toBeGreaterThan(5);
        await expect(
          Worker.runReplayHistory(await replayOptions(), parsed, workflowId),
          path.relative(HISTORIES, file),
        ).resolves.toBeUndefined();
      }
    });
  }

  it('catches an unguarded command change: a batch recorded before the first-wave timer existed does not replay', async () => {
    // The timer after the 50th task was added without patched(). It shipped in the only version that
    // ever landed, so that version is the baseline; this recording of the unreleased one before it
    // shows what the replay guard reports for such a change.
    const { workflowId, history } = await load(path.join(NONDETERMINISTIC, 'imageBatch-before-first-wave-tick.json'));
    await expect(
      Worker.runReplayHistory(await replayOptions(), historyFromJSON(history), workflowId),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
