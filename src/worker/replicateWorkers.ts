import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { ReplicateConfig } from '../config/replicate.js';
import { replicateQueueFor } from '../domain/taskQueues.js';
import { type ReplicateActivityDeps, createReplicateActivities } from '../activities/replicate.js';
import { createReplicateAudioActivities } from '../activities/replicateAudio.js';
import { createReplicateVideoActivities } from '../activities/replicateVideo.js';
import { createCustomChunkActivities } from '../activities/longVideo/custom.js';
import { createDescribeActivities } from '../activities/longVideo/describe.js';
import { createTranscribeActivities } from '../activities/longVideo/transcribe.js';
import { createImageToolActivities } from '../activities/imageTools.js';
import { createReplicatePool } from '../replicate/client.js';
import { KeyStatsRecorder } from '../replicate/keyStats.js';
import { type WebhookReceiver, startWebhookReceiver } from '../replicate/webhooks.js';
import type { MediaTools } from '../media/ffmpeg.js';
import { PREFETCHED_PER_KEY } from '../replicate/keySlots.js';
import type { Storage } from '../storage/index.js';
import { redactingInterceptors } from './redactFailures.js';

export interface ReplicateWorkerOptions {
  /** Temporal allows one worker per task queue per connection, so each key worker gets its own. */
  connect: () => Promise<NativeConnection>;
  namespace: string;
  taskQueue: string;
  dataConverter: DataConverter;
  replicate: ReplicateConfig;
  storage: Storage;
  tools: MediaTools;
}

/**
 * One activity-only Worker per key this process serves, all polling one shared queue. A key's
 * `maxConcurrentActivityTaskExecutions` is its limit plus one: Temporal's slot accounting decides
 * which key takes the next prediction (whichever has room pulls it: work stealing, so the least
 * loaded key takes it), and the key's upstream slots (KeySlots) hold its limit exactly, with the one
 * extra task waiting to start the moment a prediction ends. `maxActivitiesPerSecond` keeps each key
 * under Replicate's 600 creates per minute.
 */
export async function createReplicateWorkers(options: ReplicateWorkerOptions): Promise<{
  workers: Worker[];
  stats: KeyStatsRecorder[];
  connections: NativeConnection[];
  /** Running when REPLICATE_WEBHOOK_URL is set; close it after the workers stop. */
  webhooks?: WebhookReceiver;
}> {
  const { replicate, storage } = options;
  const pool = createReplicatePool(replicate.keys, replicate.baseUrl);
  // One receiver per process, shared by its key workers: a webhook names its key, not its worker.
  const webhooks = replicate.webhook
    ? await startWebhookReceiver({
        config: replicate.webhook,
        pool,
        prefetch: replicate.servedKeys,
        onError: (message) => console.error(message),
      })
    : undefined;
  const workers: Worker[] = [];
  const stats: KeyStatsRecorder[] = [];
  const connections: NativeConnection[] = [];
  try {
    for (const index of replicate.servedKeys) {
      const own = pool.get(index)!;
      const recorder = new KeyStatsRecorder(own.key, storage, own.slots);
      await recorder.flush();
      stats.push(recorder);
      const connection = await options.connect();
      connections.push(connection);
      workers.push(
        await Worker.create({
          connection,
          namespace: options.namespace,
          taskQueue: replicateQueueFor(options.taskQueue),
          identity: `${process.pid}@${process.env.HOSTNAME ?? 'localhost'}/replicate-key-${index}`,
          activities: replicateActivitiesFor({
            own,
            pool,
            storage,
            tools: options.tools,
            stats: recorder,
            webhooks,
          }),
          interceptors: redactingInterceptors,
          dataConverter: options.dataConverter,
          // One more than the key's limit: the next prediction waits here on a free upstream slot (keySlots.ts).
          maxConcurrentActivityTaskExecutions: own.key.concurrency + PREFETCHED_PER_KEY,
          maxActivitiesPerSecond: replicate.createsPerSecond,
          // Heartbeats carry cancellation: send them within a second so a cancelled run stops paying at once.
          maxHeartbeatThrottleInterval: '1 second',
        }),
      );
    }
  } catch (err) {
    // A key worker that fails to start must not leave the webhook port or connections held.
    await webhooks?.close();
    await Promise.all(connections.map((c) => c.close()));
    throw err;
  }
  return { workers, stats, connections, webhooks };
}

/** "Replicate pool: 3 keys (#1 r8_…a1b2 ×5, …); this process serves #1, #2, #3" */
export function describePool(replicate: ReplicateConfig): string {
  if (replicate.keys.length === 0) return 'Replicate pool: no keys configured (offline providers only)';
  const keys = replicate.keys.map((k) => `#${k.index} ${k.masked} ×${k.concurrency}`).join(', ');
  const served = replicate.servedKeys.length ? replicate.servedKeys.map((i) => `#${i}`).join(', ') : 'none';
  return `Replicate pool: ${replicate.keys.length} key${replicate.keys.length === 1 ? '' : 's'} (${keys}) at ${replicate.baseUrl}; this process serves ${served}`;
}

/** "Replicate webhooks: …" or the polling note; names the URL and address, never the secret. */
export function describeWebhooks(replicate: ReplicateConfig): string | undefined {
  if (!replicate.servedKeys.length) return undefined;
  const hook = replicate.webhook;
  if (!hook) return 'Replicate webhooks: off (REPLICATE_WEBHOOK_URL unset); predictions are watched by polling';
  const secret = hook.secret ? 'REPLICATE_WEBHOOK_SECRET' : "each key's secret from Replicate";
  // Origin and path only: a query string could carry something a deployment treats as private.
  const url = new URL(hook.url);
  return `Replicate webhooks: ${url.origin}${url.pathname} → listening on ${hook.listen.host}:${hook.listen.port}, verified with ${secret}; polling every 1-5 s as the fallback`;
}

/** Everything one key's worker serves: images and audio, all on the key's slots. */
export function replicateActivitiesFor(deps: ReplicateActivityDeps) {
  return {
    ...createReplicateActivities(deps),
    ...createReplicateAudioActivities(deps),
    ...createReplicateVideoActivities(deps),
    ...createImageToolActivities(deps),
    ...createTranscribeActivities(deps),
    ...createDescribeActivities(deps),
    ...createCustomChunkActivities(deps),
  };
}
