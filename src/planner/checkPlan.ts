import { ACTS, type LlmPlan, llmPlanSchema } from '../domain/plan.js';
import { describeIssues } from '../util/describeIssues.js';
import { detectLanguage } from '../text/language.js';
import { type PlanRequest, SPEECH_RATE } from './prompt.js';

/**
 * Whether a model's answer is a plan we can make a short from: the schema, then what the schema
 * cannot say (the scene count, the acts in order, English image prompts, narration in the story's
 * language, the length budget). Problems are worded for the model, since they go back to it.
 */
export function checkPlan(value: unknown, request: PlanRequest): { plan: LlmPlan } | { problems: string[] } {
  if (value === undefined)
    return { problems: ['the answer holds no JSON object; answer with exactly one JSON object'] };
  const parsed = llmPlanSchema.safeParse(value);
  if (!parsed.success) return { problems: describeIssues(parsed.error, { max: 10 }).message.split('; ') };
  const plan = parsed.data;
  const problems: string[] = [];
  if (plan.scenes.length !== request.sceneCount) {
    problems.push(`there must be exactly ${request.sceneCount} scenes, not ${plan.scenes.length}`);
  }
  if (request.structure === 'five-act') {
    const order = plan.scenes.map((s) => (s.act ? ACTS.indexOf(s.act) : -1));
    if (order.some((o) => o < 0)) problems.push('every scene needs an "act"');
    else if (order.some((o, i) => i > 0 && o < order[i - 1]!))
      problems.push(`the acts must come in the order ${ACTS.join(', ')}`);
    else if (new Set(order).size < ACTS.length && plan.scenes.length >= ACTS.length)
      problems.push('every act must be used');
  }
  plan.scenes.forEach((scene, i) => {
    if (!isEnglish(scene.imagePrompt)) problems.push(`scene ${i + 1}: "imagePrompt" must be in English`);
    if (!isEnglish(scene.motionPrompt)) problems.push(`scene ${i + 1}: "motionPrompt" must be in English`);
    if (request.language !== 'en' && detectLanguage(scene.narration) !== request.language) {
      problems.push(`scene ${i + 1}: "narration" must be in the story's language (${request.language})`);
    }
  });
  if (request.targetSeconds) {
    const seconds = estimatedSeconds(plan.scenes.map((s) => s.narration).join(' '), request);
    if (seconds > request.targetSeconds * 1.25) {
      problems.push(
        `the narration takes about ${Math.round(seconds)} s to say; shorten it to at most ${request.targetSeconds} s`,
      );
    }
  }
  return problems.length ? { problems } : { plan };
}

/** How long a narrator takes to say `text`, at the rate the prompt promised the model. */
export function estimatedSeconds(text: string, request: Pick<PlanRequest, 'language'>): number {
  const rate = SPEECH_RATE[request.language];
  const units =
    rate.unit === 'words' ? text.split(/\s+/).filter(Boolean).length : [...text.replace(/[\s\p{P}]/gu, '')].length;
  return units / rate.perSecond;
}

/** Mostly Latin letters: a prompt an image model trained on English captions understands. */
function isEnglish(text: string): boolean {
  const letters = [...text].filter((c) => /\p{L}/u.test(c));
  if (letters.length === 0) return false;
  const latin = letters.filter((c) => /[A-Za-z]/.test(c)).length;
  return latin / letters.length >= 0.9;
}
