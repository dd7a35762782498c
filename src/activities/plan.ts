import { Context } from '@temporalio/activity';
import type { SceneEdit } from '../domain/planApproval.js';
import type OpenAI from 'openai';
import type { LlmConfig } from '../config/providers.js';
import { ErrorTypes, failure } from '../domain/errors.js';
import { ACTS, type Act, type PlannedScene, type StoryPlan, type Structure } from '../domain/plan.js';
import type { Language } from '../domain/shortRequest.js';
import { planWithLlm as askLlm } from '../planner/llmPlanner.js';
import { moodOf } from '../planner/mood.js';
import { ProviderErrorTypes, failure as providerFailure } from '../providers/failures.js';
import { type Storage, runKeys } from '../storage/index.js';
import { detectLanguage } from '../text/language.js';
import { splitIntoScenes } from '../text/splitStory.js';

export type { PlannedScene } from '../domain/plan.js';

export interface PlanScenesInput {
  runKey: string;
  story: string;
  sceneCount: number;
  language?: Language;
  style: string;
  structure?: Structure;
  targetSeconds?: number;
  /** Set when this offline plan stands in for an LLM plan that could not be made. */
  fallbackReason?: string;
}

/** What the workflow keeps of the plan: all of it (it is small) plus where it is stored. */
export interface PlanResult {
  planRef: string;
  language: Language;
  planner: string;
  title?: string;
  structure?: Structure;
  fallbackReason?: string;
  characters?: StoryPlan['characters'];
  scenes: (Partial<PlannedScene> & { index: number; preview: string })[];
}

export interface PlanDeps {
  storage: Storage;
  /** The LLM, when one is configured for this worker. */
  llm?: { client: OpenAI; config: LlmConfig };
}

const PREVIEW_CHARS = 60;
/** A model may think for a while; heartbeats show the worker is alive meanwhile. */
const HEARTBEAT_EVERY_MS = 5_000;

export function createPlanActivities({ storage, llm }: PlanDeps) {
  /**
   * The offline planner: a deterministic, sentence-aware split into scenes, each with its narration
   * and an image prompt made of the style and the text. Also the fallback when the LLM cannot deliver.
   */
  async function planScenes(input: PlanScenesInput): Promise<PlanResult> {
    const language = input.language ?? detectLanguage(input.story);
    const texts = splitIntoScenes(input.story, input.sceneCount);
    if (texts.length === 0) throw failure(ErrorTypes.InvalidInput, 'The story has no text to narrate.');
    const structure = input.structure ?? 'scenes';
    const plan: StoryPlan = {
      title: titleOf(input.story),
      language,
      structure,
      planner: 'offline-splitter',
      ...(input.fallbackReason ? { fallbackReason: input.fallbackReason } : {}),
      characters: [],
      scenes: texts.map((narration, index) => ({
        index,
        ...(structure === 'five-act' ? { act: actFor(index, texts.length) } : {}),
        narration,
        imagePrompt: `${input.style}: ${narration}`,
        motionPrompt: index % 2 === 0 ? 'slow push-in' : 'slow pan across the scene',
        mood: moodOf(narration),
      })),
    };
    return store(input.runKey, plan);
  }

  /**
   * The LLM planner. Idempotent: a plan an earlier attempt already got from the LLM is reused, so
   * a retry after a crash neither pays for nor changes the plan.
   */
  async function planWithLlm(input: PlanScenesInput): Promise<PlanResult> {
    if (!llm) {
      throw providerFailure(
        ProviderErrorTypes.LlmNotConfigured,
        'This worker has no LLM configured: set LLM_MODEL (and LLM_BASE_URL, LLM_API_KEY where needed) for the workers.',
      );
    }
    const planRef = runKeys.plan(input.runKey);
    if (await storage.exists(planRef)) {
      const earlier = await readPlan(storage, planRef);
      if (earlier.planner.startsWith('llm:')) return summarize(planRef, earlier);
    }
    const ctx = Context.current();
    const language = input.language ?? detectLanguage(input.story);
    const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      const structure = input.structure ?? 'scenes';
      const outcome = await askLlm(
        llm.client,
        llm.config,
        {
          story: input.story,
          language,
          sceneCount: input.sceneCount,
          structure,
          targetSeconds: input.targetSeconds,
          style: input.style,
        },
        ctx.cancellationSignal,
      );
      const plan: StoryPlan = {
        title: outcome.plan.title,
        language,
        structure,
        planner: `llm:${outcome.model}`,
        characters: outcome.plan.characters,
        scenes: outcome.plan.scenes.map((scene, index) => ({ index, ...scene })),
      };
      return await store(input.runKey, plan);
    } finally {
      clearInterval(beat);
    }
  }

  /**
   * Applies an approval's edits to the stored plan (fields left out stay as planned) and stores it
   * again. Idempotent: the same edits give the same plan. The scene count was checked by the
   * workflow before; a mismatch here means the plan changed underneath, an InvalidInput.
   */
  async function editPlan(input: {
    runKey: string;
    planRef: string;
    /** One edit per scene (an approval), a single scene's edit (a revision), or none (a retry: a copy). */
    scenes?: SceneEdit[];
    scene?: { index: number; edit: SceneEdit };
  }): Promise<PlanResult> {
    const plan = await readPlan(storage, input.planRef);
    if (!input.scene && !input.scenes) return store(input.runKey, plan);
    if (input.scene) {
      if (!plan.scenes[input.scene.index]) {
        throw failure(
          ErrorTypes.InvalidInput,
          `The plan has ${plan.scenes.length} scenes; there is no scene ${input.scene.index + 1}.`,
        );
      }
      const one = input.scene;
      return store(input.runKey, {
        ...plan,
        scenes: plan.scenes.map((s, i) => (i === one.index ? { ...s, ...definedEdits(one.edit) } : s)),
      });
    }
    const scenes = input.scenes ?? [];
    if (scenes.length !== plan.scenes.length) {
      throw failure(
        ErrorTypes.InvalidInput,
        `The approval edits ${scenes.length} scenes; the plan has ${plan.scenes.length}.`,
      );
    }
    const edited: StoryPlan = {
      ...plan,
      scenes: plan.scenes.map((scene, i) => ({ ...scene, ...definedEdits(scenes[i]!) })),
    };
    return store(input.runKey, edited);
  }

  async function store(runKey: string, plan: StoryPlan): Promise<PlanResult> {
    const planRef = runKeys.plan(runKey);
    await storage.write(planRef, JSON.stringify(plan, null, 2));
    return summarize(planRef, plan);
  }

  return { planScenes, planWithLlm, editPlan };
}

function definedEdits(edit: SceneEdit): SceneEdit {
  return Object.fromEntries(Object.entries(edit).filter(([, v]) => v !== undefined)) as SceneEdit;
}

function summarize(planRef: string, plan: StoryPlan): PlanResult {
  return {
    planRef,
    language: plan.language,
    planner: plan.planner,
    title: plan.title,
    structure: plan.structure,
    ...(plan.fallbackReason ? { fallbackReason: plan.fallbackReason } : {}),
    characters: plan.characters,
    scenes: plan.scenes.map((s) => ({ ...s, preview: preview(s.narration) })),
  };
}

/** Stored plans of runs made before plans had titles and moods read as partial plans. */
export async function readPlan(storage: Storage, planRef: string): Promise<StoryPlan> {
  if (!(await storage.exists(planRef))) {
    throw failure(ErrorTypes.AssetMissing, `The scene plan ${planRef} is missing from storage; start the run again.`);
  }
  return JSON.parse((await storage.read(planRef)).toString('utf8')) as StoryPlan;
}

export async function readPlannedScene(storage: Storage, planRef: string, index: number): Promise<PlannedScene> {
  const scene = (await readPlan(storage, planRef)).scenes[index];
  if (!scene) throw failure(ErrorTypes.InvalidInput, `The plan ${planRef} has no scene ${index + 1}.`);
  return scene;
}

/** Acts spread over the scenes in order, each used at least once when there are enough scenes. */
function actFor(index: number, count: number): Act {
  return ACTS[Math.min(ACTS.length - 1, Math.floor((index * ACTS.length) / Math.max(count, 1)))]!;
}

function titleOf(story: string): string {
  const first = story.split(/(?<=[.!?。！？])\s*/u)[0] ?? story;
  return preview(first.trim());
}

function preview(text: string): string {
  const chars = [...text];
  return chars.length <= PREVIEW_CHARS ? text : `${chars.slice(0, PREVIEW_CHARS - 1).join('')}…`;
}
