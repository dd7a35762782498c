/**
 * Models reelflow runs but does not generate media with (speech recognition for long videos,
 * vision for scene descriptions): the catalog has no request mapping for them, but they are billed
 * like any community model, by their run time on the model's hardware, so their predictions are
 * priced from `metrics.predict_time` too. A model named nowhere stays "price unknown".
 */
import { HARDWARE, PRICING_PAGE } from './input.js';
import type { Price } from './types.js';

type HardwarePrice = Extract<Price, { per: 'hardware-second' }>;

const onHardware = (hardware: keyof typeof HARDWARE, note: string): HardwarePrice => ({
  per: 'hardware-second',
  usd: HARDWARE[hardware].usd,
  hardware: HARDWARE[hardware].name,
  source: `${PRICING_PAGE}: ${HARDWARE[hardware].name} $${HARDWARE[hardware].usd}/s. Estimate: ${note}`,
});

/** `owner/name` → its hardware price (the hardware each model page names, as remembered, not re-read here). */
export const TIMED_MODEL_PRICES: Readonly<Record<string, HardwarePrice>> = {
  'victor-upmeet/whisperx': onHardware('l40s', 'WhisperX runs on an L40S (its A100 twin is a separate model)'),
  'yorickvp/llava-13b': onHardware('a40-large', 'LLaVA 13B runs on an A40 (Large)'),
  'salesforce/blip': onHardware('t4', 'BLIP runs on a T4'),
};
