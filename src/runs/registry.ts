import type { RunKind } from './kind.js';
import { batchKind } from './kinds/batch.js';
import { highlightsKind } from './kinds/highlights.js';
import { imageKind } from './kinds/image.js';
import { imageBatchKind } from './kinds/imageBatch.js';
import { shortKind } from './kinds/short.js';
import { videoKind } from './kinds/video.js';

/** Every kind of run reelflow serves. A new kind is a file in kinds/ and an entry here. */
export const RUN_KINDS: readonly RunKind[] = [
  shortKind,
  batchKind,
  imageKind,
  imageBatchKind,
  videoKind,
  highlightsKind,
] as unknown as readonly RunKind[];

/** The kind whose IDs start like this one (`short-…`, `batch-…`), if any. */
export function kindForId(id: string): RunKind | undefined {
  return RUN_KINDS.find((kind) => id.startsWith(`${kind.name}-`));
}
