export { startReplicateEmulator, type ReplicateEmulator } from './server.js';
export type { ReplicateEmulatorOptions } from './options.js';
export { DEFAULT_FAULTS, E6716_ERROR, type FaultConfig } from './faults.js';
export { BUILTIN_MODELS, FLUX_SCHNELL_VERSION, SDXL_VERSION, type EmulatedModelSpec } from './models.js';
export {
  inputHash,
  type ConcurrencyViolation,
  type CreateLogEntry,
  type EmulatorStats,
  type TokenStats,
} from './accounting.js';
