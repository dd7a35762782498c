import { Context } from '@temporalio/activity';

/** How often an activity says it is alive when nothing else makes it heartbeat. */
export const HEARTBEAT_EVERY_MS = 2_000;

/**
 * Runs `work` while heartbeating `{percent}` at least every `everyMs`, and at once whenever `work`
 * reports progress. With a heartbeat timeout on the activity, a worker that dies mid-step is noticed
 * in seconds and the step is retried elsewhere, instead of waiting out its start-to-close timeout;
 * the percent shows in the pending activity (the Web UI, the API).
 */
export async function withHeartbeat<T>(
  work: (progress: (fraction: number) => void) => Promise<T>,
  everyMs = HEARTBEAT_EVERY_MS,
): Promise<T> {
  const ctx = Context.current();
  let percent = 0;
  ctx.heartbeat({ percent });
  const keepAlive = setInterval(() => ctx.heartbeat({ percent }), everyMs);
  try {
    const result = await work((fraction) => {
      percent = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
      ctx.heartbeat({ percent });
    });
    ctx.heartbeat({ percent: 100 });
    return result;
  } finally {
    clearInterval(keepAlive);
  }
}
