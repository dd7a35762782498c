export { startOpenAiEmulator, type OpenAiEmulator } from './server.js';
export { DEFAULT_MODELS, type OpenAiEmulatorOptions } from './options.js';
export { DEFAULT_FAULTS, PLAN_FAULTS, type FaultConfig, type FaultPatch, type PlanFault } from './faults.js';
export { NO_KEY, type KeyStats, type OpenAiEmulatorStats, type RequestLogEntry } from './accounting.js';
export { SPEECH_FORMATS, VOICES, type SpeechFormat } from './speech.js';
export { buildPlan, type PlanRequest } from './plan.js';
