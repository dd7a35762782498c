import { z } from 'zod';
import { userTextSchema } from './fields.js';

/**
 * What an approval may change in a plan: per scene, in order, its narration, image prompt or motion
 * prompt (fields left out stay as planned). The list must have one entry per planned scene, which
 * only the run knows: the workflow's update validator checks that, so a bad edit changes nothing.
 */
export const sceneEditSchema = z
  .object({
    narration: userTextSchema('narration', 2000).optional(),
    imagePrompt: userTextSchema('imagePrompt', 1500).optional(),
    motionPrompt: userTextSchema('motionPrompt', 500).optional(),
  })
  .strict();

export const planApprovalSchema = z.object({ scenes: z.array(sceneEditSchema).min(1).max(12).optional() }).strict();

export type SceneEdit = z.output<typeof sceneEditSchema>;
export type PlanApproval = z.output<typeof planApprovalSchema>;

/** The approval's answer: whether scenes were edited, and how many scenes the plan has. */
export interface PlanApproved {
  edited: boolean;
  sceneCount: number;
}

/** How long a plan waits for its approval when the request does not say (APPROVAL_TIMEOUT_SECONDS). */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 86_400;
