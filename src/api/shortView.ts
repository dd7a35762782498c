import type { ShortStatus } from '../client/shorts.js';
import type { ShortProgress } from '../domain/progress.js';
import type { ShortResult } from '../domain/result.js';
import { ApiError } from './errors.js';

/**
 * What HTTP clients see of a short. Results are whitelisted field by field: storage keys and the
 * worker's absolute file paths stay inside, the video is offered as a link instead.
 */
export interface ShortLinks {
  self: string;
  video: string;
  cancel: string;
  webUi: string;
}

export function shortLinks(id: string, webUiUrl: string): ShortLinks {
  const self = `/v1/shorts/${encodeURIComponent(id)}`;
  return { self, video: `${self}/video`, cancel: `${self}/cancel`, webUi: webUiUrl };
}

// Both ID schemes (random and Idempotency-Key) start with "short-"; anything else is not a short,
// so other workflows in the namespace cannot be read through this API.
const SHORT_ID = /^short-[A-Za-z0-9._-]{1,250}$/;

export function requireShortId(id: string): string {
  if (!SHORT_ID.test(id)) throw new ApiError(404, 'not_found', `No short with id "${id.slice(0, 100)}".`);
  return id;
}

export function publicStatus(status: ShortStatus, dataDir: string) {
  const scrub = (text: string) => scrubPaths(text, dataDir);
  const links = shortLinks(status.id, status.webUiUrl);
  return {
    id: status.id,
    runId: status.runId,
    status: status.status,
    progress: status.progress && publicProgress(status.progress, scrub),
    result: status.result && publicResult(status.result, links.video),
    error: status.error && { type: status.error.type, message: scrub(status.error.message) },
    startedAt: status.startedAt,
    closedAt: status.closedAt,
    webUiUrl: status.webUiUrl,
    links,
  };
}

/** Messages from workers can quote file paths; the data directory is nobody's business outside. */
export function scrubPaths(text: string, dataDir: string): string {
  return dataDir.length > 1 ? text.split(dataDir).join('<data>') : text;
}

function publicProgress(p: ShortProgress, scrub: (text: string) => string) {
  return {
    stage: p.stage,
    percent: p.percent,
    sceneCount: p.sceneCount,
    renderPercent: p.renderPercent,
    scenes: p.scenes.map((s) => ({
      index: s.index,
      preview: s.preview,
      visual: s.visual,
      narration: s.narration,
      visualProvider: s.visualProvider,
      narrationProvider: s.narrationProvider,
      error: s.error && scrub(s.error),
    })),
    error: p.error && scrub(p.error),
  };
}

function publicResult(r: ShortResult, videoLink: string) {
  return {
    video: videoLink,
    durationSec: r.durationSec,
    width: r.width,
    height: r.height,
    fps: r.fps,
    sizeBytes: r.sizeBytes,
    language: r.language,
    offline: r.offline,
    providers: r.providers,
    scenes: r.scenes.map((s) => ({
      index: s.index,
      startSec: s.startSec,
      durationSec: s.durationSec,
      narrationStartSec: s.narrationStartSec,
      narrationDurationSec: s.narrationDurationSec,
      visualProvider: s.visualProvider,
      narrationProvider: s.narrationProvider,
      voice: s.voice,
    })),
  };
}
