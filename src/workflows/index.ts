export { shortVideo } from './shortVideo.js';
export { getProgressQuery } from './definitions.js';
export { imageBatch, getBatchProgressQuery } from './imageBatch.js';
