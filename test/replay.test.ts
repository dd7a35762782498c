import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../src/worker/createWorkers.js';

/**
 * Determinism guard: today's workflow code must replay a history recorded from a real run.
 * If this fails after a workflow change, guard the change with patched() (we have users) rather
 * than re-recording; re-record only for deliberate, versioned changes (scripts/recordHistory.ts).
 */
describe('shortVideo replay', () => {
  it('replays a recorded history without nondeterminism', async () => {
    const json: unknown = JSON.parse(
      await readFile(new URL('./fixtures/shortVideo.history.json', import.meta.url), 'utf8'),
    );
    const history = historyFromJSON(json);
    expect(history.events?.length).toBeGreaterThan(10);
    await expect(
      Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, 'short-en-recorded-history'),
    ).resolves.toBeUndefined();
  });
});
