/**
 * One render worker process for bench:render's segmented runs: it encodes whatever segment the
 * bench sends it (over IPC) through the real renderSegment activity and answers with the result,
 * so two of these are two render workers sharing the machine, as two Temporal workers would.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { RenderSegmentInput } from '../../src/activities/render.js';
import { activityDepsFromConfig, createRenderQueueActivities } from '../../src/activities/index.js';
import { parseConfig } from '../../src/config/index.js';
import { LocalStorage } from '../../src/storage/index.js';

const dataDir = process.env.DATA_DIR!;
const deps = activityDepsFromConfig(parseConfig({ ...process.env, DATA_DIR: dataDir }), new LocalStorage(dataDir));
const { renderSegment } = createRenderQueueActivities(deps);

process.on('message', (input: RenderSegmentInput | 'exit') => {
  if (input === 'exit') process.exit(0);
  new MockActivityEnvironment()
    .run(renderSegment, input)
    .then((segment) => process.send!({ ok: true, segment }))
    .catch((err: unknown) => process.send!({ ok: false, error: err instanceof Error ? err.message : String(err) }));
});
process.send!('ready');
