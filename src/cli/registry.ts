import type { CommandEntry } from './command.js';

/**
 * Every command the CLI knows. Adding one (`pool`, `emulator`, …) is a file in `commands/`
 * plus a line here.
 */
export const commands: Record<string, CommandEntry> = {
  make: {
    summary: 'Turn a story into an MP4 and wait for it',
    load: async () => (await import('./commands/make.js')).make,
  },
  batch: {
    summary: 'Generate a batch of images on Replicate and wait for it',
    load: async () => (await import('./commands/batch/index.js')).batch,
  },
  image: {
    summary: 'Run an image tool (upscale, remove-background, inpaint, …) on Replicate and save it',
    load: async () => (await import('./commands/image.js')).image,
  },
  video: {
    summary: 'Transcribe a long video in chunks on the key pool and save the SRT',
    load: async () => (await import('./commands/video.js')).video,
  },
  regenerate: {
    summary: 'Make a completed short again with one scene changed',
    load: async () => (await import('./commands/regenerate.js')).regenerate,
  },
  retry: {
    summary: 'Make a failed or cancelled short again, paying only for what failed',
    load: async () => (await import('./commands/retry.js')).retry,
  },
  status: {
    summary: 'Show the state of a short or a batch',
    load: async () => (await import('./commands/status.js')).status,
  },
  cancel: {
    summary: 'Cancel a running short or batch',
    load: async () => (await import('./commands/cancel.js')).cancel,
  },
  worker: {
    summary: 'Run a worker (workflows and rendering)',
    load: async () => (await import('./commands/worker.js')).worker,
  },
  api: { summary: 'Serve the HTTP API', load: async () => (await import('./commands/api.js')).api },
  dev: {
    summary: 'Temporal dev server + Web UI, a worker and the API in one process',
    load: async () => (await import('./commands/dev.js')).dev,
  },
  pool: { summary: 'Show the Replicate key pool', load: async () => (await import('./commands/pool.js')).pool },
  emulator: {
    summary: 'Run a local Replicate emulator for offline development',
    load: async () => (await import('./commands/emulator.js')).emulator,
  },
};
