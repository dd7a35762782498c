import { ErrorTypes, failure } from '../domain/errors.js';
import type { Language } from '../domain/shortRequest.js';
import { type Storage, runKeys } from '../storage/index.js';
import { detectLanguage } from '../text/language.js';
import { splitIntoScenes } from '../text/splitStory.js';

export interface PlanScenesInput {
  runKey: string;
  story: string;
  sceneCount: number;
  language?: Language;
  style: string;
}

export interface PlannedScene {
  index: number;
  narration: string;
  imagePrompt: string;
}

/** The full plan lives in storage; the workflow only carries this summary and the reference. */
export interface StoredPlan {
  language: Language;
  planner: string;
  scenes: PlannedScene[];
}

export interface PlanSummary {
  planRef: string;
  language: Language;
  planner: string;
  scenes: { index: number; preview: string }[];
}

const PREVIEW_CHARS = 60;

export function createPlanActivities({ storage }: { storage: Storage }) {
  /**
   * Splits the story into scenes, each with narration and an image prompt. Offline and
   * deterministic today; an LLM planner will return the same shape.
   */
  async function planScenes(input: PlanScenesInput): Promise<PlanSummary> {
    const language = input.language ?? detectLanguage(input.story);
    const texts = splitIntoScenes(input.story, input.sceneCount);
    if (texts.length === 0) throw failure(ErrorTypes.InvalidInput, 'The story has no text to narrate.');
    const plan: StoredPlan = {
      language,
      planner: 'offline-splitter',
      scenes: texts.map((narration, index) => ({ index, narration, imagePrompt: `${input.style}: ${narration}` })),
    };
    const planRef = runKeys.plan(input.runKey);
    await storage.write(planRef, JSON.stringify(plan, null, 2));
    return {
      planRef,
      language,
      planner: plan.planner,
      scenes: plan.scenes.map((s) => ({ index: s.index, preview: preview(s.narration) })),
    };
  }

  return { planScenes };
}

export async function readPlan(storage: Storage, planRef: string): Promise<StoredPlan> {
  if (!(await storage.exists(planRef))) {
    throw failure(ErrorTypes.AssetMissing, `The scene plan ${planRef} is missing from storage; start the run again.`);
  }
  return JSON.parse((await storage.read(planRef)).toString('utf8')) as StoredPlan;
}

export async function readPlannedScene(storage: Storage, planRef: string, index: number): Promise<PlannedScene> {
  const scene = (await readPlan(storage, planRef)).scenes[index];
  if (!scene) throw failure(ErrorTypes.InvalidInput, `The plan ${planRef} has no scene ${index + 1}.`);
  return scene;
}

function preview(text: string): string {
  const chars = [...text];
  return chars.length <= PREVIEW_CHARS ? text : `${chars.slice(0, PREVIEW_CHARS - 1).join('')}…`;
}
