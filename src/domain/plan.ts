import { z } from 'zod';
import type { Language } from './shortRequest.js';

/**
 * A short's scene plan: what the planner (an LLM, or the offline splitter) decided, and what every
 * later step reads. Pure types and schemas: workflows import this file too.
 */

/** The five acts of a `five-act` short, in order. */
export const ACTS = ['hook', 'setup', 'rising-action', 'climax', 'resolution'] as const;
export type Act = (typeof ACTS)[number];

export const MOODS = ['calm', 'warm', 'joyful', 'mysterious', 'tense', 'sad', 'epic'] as const;
export type Mood = (typeof MOODS)[number];

export const STRUCTURES = ['scenes', 'five-act'] as const;
export type Structure = (typeof STRUCTURES)[number];

export interface PlannedScene {
  index: number;
  /** Set for `five-act` plans. */
  act?: Act;
  /** What is said, in the story's language, faithful to the story. */
  narration: string;
  /** English, concrete and visual, recurring characters described the same way, the style appended. */
  imagePrompt: string;
  /** A short English motion description for video models ("slow push-in as the fox leaps"). */
  motionPrompt: string;
  mood: Mood;
}

export interface Character {
  name: string;
  /** The one English description used in every scene's prompt. */
  description: string;
}

export interface StoryPlan {
  title: string;
  language: Language;
  structure: Structure;
  /** `llm:<model>` or `offline-splitter`. */
  planner: string;
  /** Why the offline splitter planned a short that asked for (or defaulted to) the LLM. */
  fallbackReason?: string;
  characters: Character[];
  scenes: PlannedScene[];
}

/**
 * What an LLM must answer, checked before anything uses it. Field descriptions are part of the JSON
 * schema sent as `response_format`, so they double as instructions to the model.
 */
export const llmPlanSchema = z
  .object({
    title: z.string().trim().min(1).max(120).describe('A short, catchy title in the story language'),
    characters: z
      .array(
        z
          .object({
            name: z.string().trim().min(1).max(60),
            description: z
              .string()
              .trim()
              .min(1)
              .max(300)
              .describe('English visual description reused verbatim in every image prompt'),
          })
          .strict(),
      )
      .max(8),
    scenes: z
      .array(
        z
          .object({
            act: z.enum(ACTS).optional().describe('Only for five-act plans'),
            narration: z
              .string()
              .trim()
              .min(1)
              .max(2000)
              .describe('What the narrator says, in the language of the story'),
            imagePrompt: z.string().trim().min(1).max(1500).describe('English, concrete, visual image prompt'),
            motionPrompt: z.string().trim().min(1).max(300).describe('Short English camera/motion prompt'),
            mood: z.enum(MOODS),
          })
          .strict(),
      )
      .min(1)
      .max(12),
  })
  .strict();

export type LlmPlan = z.infer<typeof llmPlanSchema>;
