/**
 * Vision models that describe a picture, with their real Replicate input fields (LLaVA's from its
 * API page as found in published code; BLIP's as remembered) and output shape: JSON, no files.
 */
import type { EmulatedModelSpec } from './models.js';

/** yorickvp/llava-13b: a community model, so by version. */
export const LLAVA_13B_VERSION = 'b5f6212d032508382d61ff00469ddda3e32fd8a0e75dc39d8a4191bb742157fb';
/** salesforce/blip: a community model, so by version. */
export const BLIP_VERSION = '2e1dddc8621f72155f24cf2e0adbde548458d3cab9f00c0139eea840d0ac4746';

export const VISION_MODELS: readonly EmulatedModelSpec[] = [
  {
    // image*, prompt*, top_p 0–1 (1), temperature ≥ 0 (0.2), max_tokens ≥ 0 (1024);
    // → the answer streamed as a list of strings (concatenate them).
    model: 'yorickvp/llava-13b',
    versions: [LLAVA_13B_VERSION],
    official: false,
    kind: 'caption',
    requiredInputs: ['image', 'prompt'],
    media: { kind: 'caption', caption: { imageField: 'image', output: 'tokens' } },
    inputRules: {
      prompt: { type: 'string' },
      top_p: { type: 'number', min: 0, max: 1 },
      temperature: { type: 'number', min: 0 },
      max_tokens: { type: 'integer', min: 0 },
    },
  },
  {
    // image*, task (image_captioning | visual_question_answering | image_text_matching), question,
    // caption; → one string, "Caption: …" for captioning.
    model: 'salesforce/blip',
    versions: [BLIP_VERSION],
    official: false,
    kind: 'caption',
    output: 'single',
    requiredInputs: ['image'],
    media: { kind: 'caption', caption: { imageField: 'image', output: 'text' } },
    inputRules: {
      task: { enum: ['image_captioning', 'visual_question_answering', 'image_text_matching'] },
      question: { type: 'string' },
      caption: { type: 'string' },
    },
  },
];
