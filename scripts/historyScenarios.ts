/**
 * The scenarios scripts/recordHistory.ts records: one per workflow type and version that ever
 * shipped (a patch's new branch gets its own), each a real run against the emulators.
 */
import type { PlanApproval } from '../src/domain/planApproval.js';

/** A user's own token (the second auth tier), for the user-key scenario; an emulator token, nothing real. */
export const USER_TOKEN = `r8_recorduser${'x'.repeat(23)}`;

export interface Scenario {
  workflowType: string;
  name: string;
  workflowId: string;
  input: Record<string, unknown>;
  /** Runs the key workers against the emulator. */
  replicate?: boolean;
  /** A plan fault the LLM emulator answers with while this scenario runs. */
  llmFault?: string;
  /** Sent as the plan's approval once the run waits for it (shorts with `approval`). */
  approve?: PlanApproval;
  /** A short made first (not recorded), whose plan this scenario's `revision` revises. */
  parent?: { workflowId: string; input: Record<string, unknown> };
  /** Pictures stored before the run, as the API's intake stores them (ref → a solid colour). */
  uploads?: Record<string, string>;
  /** Recordings to store first: ref → seconds of tone bursts (a "word" every 7 s) as AAC. */
  recordings?: Record<string, number>;
  /** Videos to store first: ref → seconds of picture that changes from dark to bright halfway. */
  videos?: Record<string, number>;
}

const STORY = 'The fox woke up. It ran to the river. It slept in the sun. The moon rose. An owl called twice.';

export const SCENARIOS: Scenario[] = [
  {
    workflowType: 'shortVideo',
    name: 'offline',
    workflowId: 'short-en-recorded-offline',
    input: { story: 'The fox woke up. It ran to the river. It slept in the sun.', sceneCount: 3, aspect: '1:1' },
  },
  {
    workflowType: 'shortVideo',
    name: 'replicate',
    workflowId: 'short-en-recorded-replicate',
    replicate: true,
    input: {
      story: 'The fox woke up. It ran to the river. It slept in the sun.',
      sceneCount: 3,
      aspect: '1:1',
      provider: 'replicate',
      model: 'black-forest-labs/flux-schnell',
      fps: 12,
      captions: false,
      transition: { type: 'cut', duration: 0 },
    },
  },
  {
    // The LLM plans (five acts), ElevenLabs speaks beside the images, a generated bed under it all.
    workflowType: 'shortVideo',
    name: 'llm-elevenlabs-music',
    workflowId: 'short-en-recorded-llm-elevenlabs-music',
    input: {
      story: STORY,
      sceneCount: 5,
      aspect: '1:1',
      fps: 12,
      planner: 'llm',
      structure: 'five-act',
      narration: { provider: 'elevenlabs' },
      music: { source: 'generated', volume: 0.3 },
      captions: { style: 'karaoke' },
      transition: { type: 'cut', duration: 0 },
    },
  },
  {
    // The LLM answers garbage: the offline splitter plans instead, and says why.
    workflowType: 'shortVideo',
    name: 'llm-fallback',
    workflowId: 'short-en-recorded-llm-fallback',
    llmFault: 'plan-garbage',
    input: {
      story: STORY,
      sceneCount: 3,
      aspect: '1:1',
      fps: 12,
      planner: 'auto',
      transition: { type: 'cut', duration: 0 },
    },
  },
  {
    // Images, voices and music all on the key pool.
    workflowType: 'shortVideo',
    name: 'replicate-audio',
    workflowId: 'short-en-recorded-replicate-audio',
    replicate: true,
    input: {
      story: STORY,
      sceneCount: 3,
      aspect: '1:1',
      fps: 12,
      provider: 'replicate',
      model: 'black-forest-labs/flux-schnell',
      narration: { provider: 'replicate', model: 'minimax/speech-02-turbo' },
      music: {
        source: 'replicate',
        model: 'meta/musicgen:671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb',
      },
      captions: false,
      transition: { type: 'cut', duration: 0 },
    },
  },
  {
    // An animated still, a text-to-video clip and a still in one short (patched 'video-scenes').
    workflowType: 'shortVideo',
    name: 'video-scenes',
    workflowId: 'short-en-recorded-video-scenes',
    replicate: true,
    input: {
      story: 'The fox woke up. It ran to the river. It slept in the sun.',
      sceneCount: 3,
      aspect: '9:16',
      fps: 12,
      provider: 'replicate',
      model: 'black-forest-labs/flux-schnell',
      visuals: ['image-to-video', 'video', 'image'],
      videoModel: 'kwaivgi/kling-v2.5-turbo-pro',
      clipFit: 'loop',
      captions: true,
      transition: { type: 'crossfade', duration: 0.3 },
    },
  },
  {
    // Waits for its plan's approval, which edits scene 2 (patched 'plan-approval').
    workflowType: 'shortVideo',
    name: 'plan-approval',
    workflowId: 'short-en-recorded-plan-approval',
    input: {
      story: 'The fox woke up. It ran to the river. It slept in the sun.',
      sceneCount: 3,
      aspect: '1:1',
      fps: 12,
      captions: false,
      transition: { type: 'cut', duration: 0 },
      approval: { timeoutSeconds: 600 },
    },
    approve: { scenes: [{}, { narration: 'It ran to the silver river.' }, {}] },
  },
  {
    // Images on the key pool inside a budget ledger (patched 'budget-ledger').
    workflowType: 'shortVideo',
    name: 'budget',
    workflowId: 'short-en-recorded-budget',
    replicate: true,
    input: {
      story: 'The fox woke up. It ran to the river. It slept in the sun.',
      sceneCount: 3,
      aspect: '1:1',
      provider: 'replicate',
      model: 'black-forest-labs/flux-schnell',
      fps: 12,
      captions: false,
      transition: { type: 'cut', duration: 0 },
      budget: { maxUsd: 1, onExceed: 'pause' },
    },
  },
  {
    workflowType: 'imageBatch',
    name: 'budget',
    workflowId: 'batch-recorded-budget',
    replicate: true,
    input: {
      tasks: [{ prompt: 'A red car' }, { prompt: 'A blue boat' }, { prompt: 'A green tree' }],
      model: 'black-forest-labs/flux-schnell',
      budget: { maxUsd: 1, onExceed: 'fail' },
    },
  },
  {
    // A revision of a finished short: its plan with scene 2 edited instead of planning (patched 'plan-revision').
    workflowType: 'shortVideo',
    name: 'plan-revision',
    workflowId: 'short-en-recorded-plan-revision',
    parent: {
      workflowId: 'short-en-recorded-revision-parent',
      input: {
        story: 'The fox woke up. It ran to the river. It slept in the sun.',
        sceneCount: 3,
        aspect: '1:1',
        fps: 12,
        captions: false,
        transition: { type: 'cut', duration: 0 },
      },
    },
    input: {
      story: 'The fox woke up. It ran to the river. It slept in the sun.',
      sceneCount: 3,
      aspect: '1:1',
      fps: 12,
      captions: false,
      transition: { type: 'cut', duration: 0 },
      revision: {
        parentId: 'short-en-recorded-revision-parent',
        planRef: 'runs/short-en-recorded-revision-parent/plan.json',
        scene: 1,
        edit: { narration: 'It ran to the silver river.' },
      },
    },
  },
  {
    // A short rendered as segments and joined (patched 'segmented-render'), as revisions render.
    workflowType: 'shortVideo',
    name: 'segmented-render',
    workflowId: 'short-en-recorded-segmented-render',
    input: {
      story: 'The owl looked out. The moon rose over the hill. The owl flew home.',
      sceneCount: 3,
      aspect: '1:1',
      fps: 12,
      captions: true,
      transition: { type: 'crossfade', duration: 0.5 },
      render: 'segmented',
    },
  },
  {
    // More tasks than the first wave (50), so the tick between the waves is in the history.
    workflowType: 'imageBatch',
    name: 'two-waves',
    workflowId: 'batch-recorded-two-waves',
    replicate: true,
    input: {
      tasks: Array.from({ length: 55 }, (_, i) => ({ prompt: `A lighthouse at dusk, study ${i + 1}` })),
      model: 'black-forest-labs/flux-schnell',
      download: true,
    },
  },
  {
    workflowType: 'imageBatch',
    name: 'url-mode',
    workflowId: 'batch-recorded-url-mode',
    replicate: true,
    input: {
      tasks: [{ prompt: 'A red car', output_filename: 'red_car.png' }, { prompt: 'A blue boat' }],
      model: 'black-forest-labs/flux-schnell',
      modelInput: { num_outputs: 2 },
      download: false,
    },
  },
  {
    // One image tool call on the key pool: a 2× upscale of a stored picture.
    workflowType: 'imageTool',
    name: 'upscale',
    workflowId: 'image-upscale-recorded',
    replicate: true,
    uploads: { 'uploads/0123456789abcdef0123456789abcdef/image.png': '#3366cc' },
    input: {
      tool: 'upscale',
      imageRef: 'uploads/0123456789abcdef0123456789abcdef/image.png',
      options: { scale: 2 },
      source: 'recorded.png',
    },
  },
  {
    // Two tool calls in one batch run (upscale and colorize), each on the key pool on its own.
    workflowType: 'imageToolBatch',
    name: 'two-tools',
    workflowId: 'toolbatch-recorded-two-tools',
    replicate: true,
    uploads: { 'uploads/11111111111111111111111111111111/image.png': '#808080' },
    input: {
      tasks: [
        { tool: 'upscale', imageRef: 'uploads/11111111111111111111111111111111/image.png', options: { scale: 2 } },
        { tool: 'colorize', imageRef: 'uploads/11111111111111111111111111111111/image.png', options: {} },
      ],
    },
  },
  {
    // A call made with a user's own Replicate token (patched 'user-replicate-key'): its own key worker.
    workflowType: 'imageTool',
    name: 'user-key',
    workflowId: 'image-upscale-recorded-user-key',
    uploads: { 'uploads/22222222222222222222222222222222/image.png': '#cc6633' },
    input: {
      tool: 'upscale',
      imageRef: 'uploads/22222222222222222222222222222222/image.png',
      options: { scale: 2 },
      replicateToken: USER_TOKEN,
    },
  },
  {
    // The same with its user key worker kept alive while the call waits (patched 'user-key-keepalive').
    workflowType: 'imageTool',
    name: 'user-key-keepalive',
    workflowId: 'image-upscale-recorded-user-key-keepalive',
    uploads: { 'uploads/33333333333333333333333333333333/image.png': '#3366cc' },
    input: {
      tool: 'upscale',
      imageRef: 'uploads/33333333333333333333333333333333/image.png',
      options: { scale: 2 },
      replicateToken: USER_TOKEN,
    },
  },
  {
    // A long recording in two chunks on the key pool, one merged transcript.
    workflowType: 'longVideo',
    name: 'transcribe-two-chunks',
    workflowId: 'video-transcribe-recorded',
    replicate: true,
    recordings: { 'uploads/44444444444444444444444444444444/source.m4a': 100 },
    input: {
      ref: 'uploads/44444444444444444444444444444444/source.m4a',
      task: 'transcribe',
      chunkMinutes: 1,
      strict: false,
      model: 'victor-upmeet/whisperx:84d2ad2d6194fe98a17d2b60bef1c7f910c46b2f6fd38996ca457afd9c8abfcb',
    },
  },
  {
    // The scenes of a video in two chunks (patched 'long-video-scenes'): found locally, nothing predicted.
    workflowType: 'longVideo',
    name: 'scenes-two-chunks',
    workflowId: 'video-scenes-recorded',
    videos: { 'uploads/55555555555555555555555555555555/source.mp4': 100 },
    input: {
      ref: 'uploads/55555555555555555555555555555555/source.mp4',
      task: 'scenes',
      chunkMinutes: 1,
      strict: false,
      model: 'victor-upmeet/whisperx:84d2ad2d6194fe98a17d2b60bef1c7f910c46b2f6fd38996ca457afd9c8abfcb',
    },
  },
  {
    // The scenes of a video in two chunks, each scene's still described by LLaVA on the key pool
    // (patched 'long-video-scene-descriptions').
    workflowType: 'longVideo',
    name: 'scenes-described',
    workflowId: 'video-scenes-described-recorded',
    replicate: true,
    videos: { 'uploads/66666666666666666666666666666666/source.mp4': 100 },
    input: {
      ref: 'uploads/66666666666666666666666666666666/source.mp4',
      task: 'scenes',
      chunkMinutes: 1,
      strict: false,
      describe: true,
      describeModel: 'yorickvp/llava-13b:b5f6212d032508382d61ff00469ddda3e32fd8a0e75dc39d8a4191bb742157fb',
      model: 'victor-upmeet/whisperx:84d2ad2d6194fe98a17d2b60bef1c7f910c46b2f6fd38996ca457afd9c8abfcb',
    },
  },
  {
    // The caller's model (WhisperX by an input mapping) on a recording in two chunks, every
    // chunk's output in outputs.json (patched 'long-video-custom').
    workflowType: 'longVideo',
    name: 'custom-two-chunks',
    workflowId: 'video-custom-recorded',
    replicate: true,
    recordings: { 'uploads/77777777777777777777777777777777/source.m4a': 100 },
    input: {
      ref: 'uploads/77777777777777777777777777777777/source.m4a',
      task: 'custom',
      chunkMinutes: 1,
      strict: false,
      language: 'en',
      custom: {
        model: 'victor-upmeet/whisperx:84d2ad2d6194fe98a17d2b60bef1c7f910c46b2f6fd38996ca457afd9c8abfcb',
        input: { audio_file: '{{chunk.url}}', language: '{{language}}', align_output: true },
        media: 'audio',
      },
      model: 'victor-upmeet/whisperx:84d2ad2d6194fe98a17d2b60bef1c7f910c46b2f6fd38996ca457afd9c8abfcb',
    },
  },
];
