import { ACTS, MOODS, type Structure } from '../domain/plan.js';
import type { Language } from '../domain/shortRequest.js';

/** What the planner is asked to plan; the same block is what the emulator reads back. */
export interface PlanRequest {
  story: string;
  language: Language;
  sceneCount: number;
  structure: Structure;
  targetSeconds?: number;
  style: string;
}

const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  ru: 'Russian',
  zh: 'Chinese',
  ko: 'Korean',
  ja: 'Japanese',
};

/** Roughly what a narrator says per second, to turn a target length into a text budget. */
export const SPEECH_RATE: Record<Language, { unit: 'words' | 'characters'; perSecond: number }> = {
  en: { unit: 'words', perSecond: 2.5 },
  ru: { unit: 'words', perSecond: 2.2 },
  zh: { unit: 'characters', perSecond: 4.5 },
  ja: { unit: 'characters', perSecond: 7 },
  ko: { unit: 'characters', perSecond: 6 },
};

export function systemPrompt(request: PlanRequest): string {
  const language = LANGUAGE_NAMES[request.language];
  const rate = SPEECH_RATE[request.language];
  const budget = request.targetSeconds
    ? `The whole narration must be speakable in at most ${request.targetSeconds} seconds: about ${Math.floor(
        request.targetSeconds * rate.perSecond,
      )} ${rate.unit} in total across all scenes. Shorten by leaving out details, never by changing what happens.`
    : 'Keep the whole story: every event, in order.';
  const structure =
    request.structure === 'five-act'
      ? `Give the scenes a five-act structure: label each scene's "act" as one of ${ACTS.join(', ')}, in that order, every act used at least once.`
      : 'Do not set "act".';
  return [
    'You plan short vertical videos (YouTube Shorts, TikTok, Reels) from a story. Answer with one JSON object only.',
    `Make exactly ${request.sceneCount} scenes.`,
    `"narration": what the narrator says in that scene, in ${language} (the story's language), faithful to the story: no new events, names or facts. ${budget}`,
    `"imagePrompt": in English whatever the story's language; concrete and visual: subject, action, setting, time of day, lighting, camera framing. Describe every recurring character and place with exactly the same words in every scene (the words from "characters"). End it with ", ${request.style}".`,
    '"motionPrompt": a short English camera or motion description for a video model, such as "slow push-in as the fox leaps across the stream".',
    `"mood": one of ${MOODS.join(', ')}.`,
    structure,
    '"characters": the recurring characters (and important places), each with one English visual description.',
    '"title": a short title in the story\'s language.',
  ].join('\n');
}

export function userPrompt(request: PlanRequest): string {
  const block = {
    story: request.story,
    language: request.language,
    sceneCount: request.sceneCount,
    structure: request.structure,
    targetSeconds: request.targetSeconds ?? null,
    style: request.style,
  };
  return `Plan this story.\n<request>${JSON.stringify(block)}</request>`;
}

/** The one repair round trip: the model sees exactly what was wrong with its answer. */
export function repairPrompt(problems: string[]): string {
  return [
    'That answer cannot be used:',
    ...problems.map((p) => `- ${p}`),
    'Answer again with the complete, corrected JSON object only.',
  ].join('\n');
}
