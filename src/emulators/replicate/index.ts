export { startReplicateEmulator, type ReplicateEmulator } from './server.js';
export { KIND_LATENCY_SECONDS, type ReplicateEmulatorOptions } from './options.js';
export { DEFAULT_FAULTS, E6716_ERROR, type FaultConfig } from './faults.js';
export {
  BUILTIN_MODELS,
  FLUX_SCHNELL_VERSION,
  KOKORO_VERSION,
  MINIMAX_SPEECH_VERSION,
  MUSICGEN_VERSION,
  SDXL_VERSION,
} from './builtinModels.js';
export { ANIMATE_DIFF_VERSION, MINIMAX_VIDEO_VERSION, WAN_I2V_FAST_VERSION } from './builtinVideoModels.js';
export type { EmulatedModelSpec, MediaProfile, OutputKind } from './models.js';
export {
  inputHash,
  type ConcurrencyViolation,
  type CreateLogEntry,
  type EmulatorStats,
  type TokenStats,
} from './accounting.js';
