/** The workflow types a worker registers. Every export here needs recorded histories (test/replay.test.ts). */
export { imageBatch } from './imageBatch.js';
export { imageTool } from './imageTool.js';
export { imageToolBatch } from './imageToolBatch.js';
export { shortVideo } from './shortVideo.js';
export { longVideo } from './longVideo.js';
export { videoHighlights } from './videoHighlights.js';
