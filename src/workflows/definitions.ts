import { defineQuery } from '@temporalio/workflow';
import type { ShortProgress } from '../domain/progress.js';

/** Live per-scene progress; the API and CLI merge in the render activity's heartbeat percent. */
export const getProgressQuery = defineQuery<ShortProgress>('getProgress');
