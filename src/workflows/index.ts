export { shortVideo } from './shortVideo.js';
export { getProgressQuery } from './definitions.js';
