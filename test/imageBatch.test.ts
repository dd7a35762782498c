import { type Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchRequest, ImageBatchResult } from '../src/domain/batch.js';
import { getBatchProgressQuery } from '../src/workflows/definitions.js';
import { imageBatch } from '../src/workflows/index.js';
import { type PoolFixture, startPoolFixture } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './support/temporal.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const LIMIT = 2;

let client: Client;
let pool: PoolFixture;
let workers: RunningWorkers;

beforeAll(async () => {
  client = await connectTestClient();
  pool = await startPoolFixture(3, LIMIT);
  workers = await startTestWorkers({ replicate: pool.replicate });
});

afterAll(async () => {
  await workers?.stop();
  await pool?.emulator.close();
  await client?.connection.close();
});

let runs = 0;
async function runBatch(input: BatchRequest): Promise<{ workflowId: string; result: ImageBatchResult }> {
  const workflowId = `batch-${++runs}-${Date.now()}`;
  const result = await client.workflow.execute(imageBatch, { taskQueue: workers.taskQueue, workflowId, args: [input] });
  return { workflowId, result };
}

async function stored(ref: string | undefined): Promise<Buffer> {
  expect(ref).toBeDefined();
  return readFile(path.join(workers.dataDir, ref!));
}

describe('imageBatch on the Replicate key pool (real Temporal server + emulator)', () => {
  it('runs every task, names and stores the outputs, and never exceeds a key limit', async () => {
    pool.emulator.reset();
    const tasks = Array.from({ length: 10 }, (_, i) => ({
      prompt: `A lighthouse at dusk, variation ${i}`,
      ...(i === 0 ? { output_filename: 'red_car.jpg' } : i === 1 ? { output_filename: 'blue_house' } : {}),
      ...(i === 2 ? { output_filename: '../../escape.png' } : {}),
    }));
    const { workflowId, result } = await runBatch({ tasks });

    expect(result.summary).toBe('10 successful, 0 failed');
    expect(result.failed_results).toEqual([]);
    expect(result.successful_results.map((r) => r.task_index)).toEqual([...Array(10).keys()]);
    expect(result.successful_results[0]).toEqual({
      task_index: 0,
      prompt: tasks[0]!.prompt,
      output_filename: 'red_car.jpg',
      // The emulator serves PNGs: the name keeps the user's base and takes the real format's extension.
      generated_files: [{ ref: `batches/${workflowId}/0/red_car.png`, filename: 'red_car.png' }],
      cost_usd: 0.003,
    });
    expect(result.successful_results[1]!.generated_files).toEqual([
      { ref: `batches/${workflowId}/1/blue_house.png`, filename: 'blue_house.png' },
    ]);
    expect(result.successful_results[2]!.generated_files[0]!.filename).toBe('escape.png');
    expect(result.successful_results[3]).toMatchObject({
      output_filename: 'image',
      generated_files: [{ ref: `batches/${workflowId}/3/image.png`, filename: 'image.png' }],
    });
    for (const r of result.successful_results) {
      const bytes = await stored(r.generated_files[0]!.ref);
      expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    }

    const stats = pool.emulator.stats();
    expect(stats.totals.created).toBe(10);
    // Ten flux-schnell images at the catalog's $0.003 each.
    expect(result.cost).toEqual({ usd: 0.03, predictions: 10, unpriced: 0 });
    expect(stats.concurrencyViolations).toEqual([]);
    for (const token of pool.tokens) expect(pool.emulator.stats(token)?.peakInFlight ?? 0).toBeLessThanOrEqual(LIMIT);

    const progress = await client.workflow.getHandle(workflowId).query(getBatchProgressQuery);
    expect(progress).toEqual({ total: 10, succeeded: 10, failed: 0, running: 0 });
  });

  it('names several outputs of one task <base>_1, <base>_2', async () => {
    const { workflowId, result } = await runBatch({
      tasks: [{ prompt: 'Two foxes', output_filename: 'fox.png' }, { prompt: 'Two owls' }],
      modelInput: { num_outputs: 2 },
    });
    expect(result.summary).toBe('2 successful, 0 failed');
    expect(result.successful_results[0]!.generated_files).toEqual([
      { ref: `batches/${workflowId}/0/fox_1.png`, filename: 'fox_1.png' },
      { ref: `batches/${workflowId}/0/fox_2.png`, filename: 'fox_2.png' },
    ]);
    expect(result.successful_results[1]!.generated_files.map((f) => f.filename)).toEqual([
      'image_1.png',
      'image_2.png',
    ]);
    const [first, second] = await Promise.all(result.successful_results[0]!.generated_files.map((f) => stored(f.ref)));
    expect(first!.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(first!.equals(second!)).toBe(false); // two different images, not one copied twice
  });

  it('returns the Replicate URLs instead of downloading when download is false', async () => {
    const { workflowId, result } = await runBatch({
      tasks: [{ prompt: 'A red car', output_filename: 'red_car.jpg' }, { prompt: 'A blue house' }],
      modelInput: { num_outputs: 2 },
      download: false,
    });
    expect(result.summary).toBe('2 successful, 0 failed');
    const files = result.successful_results.flatMap((r) => r.generated_files);
    expect(files.map((f) => f.filename)).toEqual(['red_car_1.png', 'red_car_2.png', 'image_1.png', 'image_2.png']);
    for (const file of files) {
      expect(file.ref).toBeUndefined();
      expect(file.url).toMatch(new RegExp(`^${pool.emulator.origin}/files/[^/]+/out-[01]\\.png$`));
      const response = await fetch(file.url!);
      expect(response.status).toBe(200);
    }
    await expect(access(path.join(workers.dataDir, 'batches', workflowId))).rejects.toThrow(); // nothing stored
  });

  it('reports a permanently failing task in failed_results while the others succeed', async () => {
    pool.emulator.reset();
    pool.emulator.setFaults({ modelErrorInputIncludes: 'CURSED' });
    try {
      const tasks = Array.from({ length: 5 }, (_, i) => ({
        prompt: i === 3 ? 'A CURSED painting' : `A calm lake ${i}`,
      }));
      const { workflowId, result } = await runBatch({ tasks });
      expect(result.summary).toBe('4 successful, 1 failed');
      expect(result.successful_results.map((r) => r.task_index)).toEqual([0, 1, 2, 4]);
      expect(result.failed_results).toEqual([
        {
          task_index: 3,
          prompt: 'A CURSED painting',
          error: { type: 'PredictionFailed', message: expect.stringContaining('ValueError') as unknown as string },
        },
      ]);
      // A model error is not retried: one prediction per task, the failed one included.
      expect(pool.emulator.stats().totals.created).toBe(5);
      const progress = await client.workflow.getHandle(workflowId).query(getBatchProgressQuery);
      expect(progress).toEqual({ total: 5, succeeded: 4, failed: 1, running: 0 });
    } finally {
      pool.emulator.setFaults({}, 'replace');
    }
  });

  it('rejects an empty batch as invalid input', async () => {
    const error = await runBatch({ tasks: [] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('InvalidInput');
  });
});
