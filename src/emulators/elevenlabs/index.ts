export { startElevenLabsEmulator, type ElevenLabsEmulator } from './server.js';
export type { ElevenLabsEmulatorOptions, PauseConfig } from './options.js';
export { DEFAULT_FAULTS, type FaultConfig, type RateLimitFault } from './faults.js';
export { BUILTIN_VOICES, DEFAULT_MODEL_ID, MODELS, type EmulatedModel, type EmulatedVoice } from './catalog.js';
export { DEFAULT_OUTPUT_FORMAT, OUTPUT_FORMATS } from './formats.js';
export type { CharacterAlignment } from './alignment.js';
export type { ConcurrencyViolation, ElevenLabsStats, KeyStats, SynthesisEntry } from './accounting.js';
