import { log } from '@temporalio/activity';
import type { KeyClient } from '../../replicate/client.js';
import type { KeyStatsRecorder } from '../../replicate/keyStats.js';

/**
 * "key #2 (r8_…a1b2) took chunk 3 of video-… (1 of its 1 running)": which key took which piece of
 * whose video, and how loaded it is, so an operator can see the pool share a video's work.
 */
export function logTaken(own: KeyClient, stats: KeyStatsRecorder, what: string, videoId: string): void {
  log.info(
    `key #${own.key.index} (${own.key.masked}) took ${what} of ${videoId} ` +
      `(${stats.snapshot().inFlight} of its ${own.key.concurrency} running)`,
  );
}
