import { writeFile } from 'node:fs/promises';
import { renderPlaceholderArt } from '../media/art/index.js';
import type { VisualProvider } from './types.js';

/** Deterministic local placeholder art: no network, honest about being a placeholder. */
export function createOfflineArtProvider(): VisualProvider {
  return {
    name: 'offline-art',
    offline: true,
    async generate({ prompt, width, height, outPath }) {
      await writeFile(outPath, renderPlaceholderArt({ prompt, width, height }));
    },
  };
}
