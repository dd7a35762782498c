/**
 * Speech recognition models, with their real Replicate input fields (as remembered from the
 * model's API page, not re-read here) and output shape: JSON, no files.
 */
import type { EmulatedModelSpec } from './models.js';

/** victor-upmeet/whisperx: the version our catalog runs (community model, so by version). */
export const WHISPERX_VERSION = '84d2ad2d6194fe98a17d2b60bef1c7f910c46b2f6fd38996ca457afd9c8abfcb';

export const TRANSCRIBE_MODELS: readonly EmulatedModelSpec[] = [
  {
    // audio_file*, language (detected when unset), align_output (word timings), batch_size,
    // temperature, vad_onset/vad_offset, diarization; → {segments: [{start, end, text, words}], detected_language}.
    model: 'victor-upmeet/whisperx',
    versions: [WHISPERX_VERSION],
    official: false,
    kind: 'transcript',
    output: 'single',
    requiredInputs: ['audio_file'],
    media: { kind: 'transcript', transcript: { audioField: 'audio_file' } },
    inputRules: {
      language: { type: 'string' },
      align_output: { type: 'boolean' },
      diarization: { type: 'boolean' },
      batch_size: { type: 'integer', min: 1 },
      temperature: { type: 'number', min: 0, max: 1 },
      vad_onset: { type: 'number', min: 0, max: 1 },
      vad_offset: { type: 'number', min: 0, max: 1 },
      initial_prompt: { type: 'string' },
      debug: { type: 'boolean' },
    },
  },
];
