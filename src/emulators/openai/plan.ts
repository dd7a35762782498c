/**
 * The emulated planner: a deterministic scene plan derived from the `<request>{…}</request>` block
 * the real planner sends. Narration is the story itself, split with the splitter reelflow uses
 * offline (so it is faithful and in the story's language); image prompts are English built from
 * the noun dictionary, the characters' fixed descriptions and the requested style.
 */
import { z } from 'zod';
import { ACTS, STRUCTURES, type Act, type LlmPlan } from '../../domain/plan.js';
import type { Language } from '../../domain/shortRequest.js';
import { detectLanguage, isSpacelessScript } from '../../text/language.js';
import { splitIntoScenes, splitSentences } from '../../text/splitStory.js';
import { MOOD_LIGHT, moodOf } from './moods.js';
import { nounsIn, type Noun } from './vocabulary.js';

// Spelled out rather than imported: the request schemas module is heavy, and only its type is needed here.
const LANGUAGES = ['en', 'ru', 'zh', 'ko', 'ja'] as const satisfies readonly Language[];

/** What the planner puts inside `<request>`; unknown fields are ignored, as a model would. */
const planRequestSchema = z.looseObject({
  story: z.string(),
  language: z.enum(LANGUAGES).nullish(),
  sceneCount: z.number().int().min(1).max(12),
  structure: z.enum(STRUCTURES).default('scenes'),
  targetSeconds: z.number().positive().nullish(),
  style: z.string().trim().min(1).default('storybook illustration'),
});
export type PlanRequest = z.infer<typeof planRequestSchema>;

const REQUEST_BLOCK = /<request>([\s\S]*?)<\/request>/;

export type FoundRequest = { ok: true; request: PlanRequest } | { ok: false; error: string };

/**
 * The newest `<request>` block among the user messages (the last one on a first attempt; an
 * earlier one when the last is a repair message), or undefined when this is no planning chat.
 */
export function findPlanRequest(userTexts: readonly string[]): FoundRequest | undefined {
  for (let i = userTexts.length - 1; i >= 0; i--) {
    const block = REQUEST_BLOCK.exec(userTexts[i]!)?.[1];
    if (block === undefined) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(block);
    } catch (e) {
      return { ok: false, error: `the <request> block is not JSON (${(e as Error).message})` };
    }
    const parsed = planRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((x) => `${x.path.join('.') || '(root)'}: ${x.message}`).join('; ');
      return { ok: false, error: `the <request> block does not hold a valid request (${issues})` };
    }
    return { ok: true, request: parsed.data };
  }
  return undefined;
}

/** Camera framings and moves, cycled through the scenes so consecutive shots differ. */
const FRAMINGS = ['Wide establishing shot', 'Medium shot', 'Close-up', 'Low-angle shot', 'High-angle shot'];
const MOTIONS = [
  'Slow push-in toward',
  'Gentle pan across',
  'Slow pull-back from',
  'Soft drift around',
  'Slow tilt up to',
];
const MAX_CHARACTERS = 3;
const MAX_SUBJECTS = 4;

export function buildPlan(req: PlanRequest): LlmPlan {
  const language: Language = req.language ?? detectLanguage(req.story);
  const pieces = splitIntoScenes(req.story, req.sceneCount);
  if (pieces.length === 0) pieces.push(req.story.trim() || '…');
  // A story with fewer splittable pieces than scenes: the last piece carries on, so the count holds.
  while (pieces.length < req.sceneCount) pieces.push(pieces.at(-1)!);

  const storyNouns = nounsIn(req.story);
  const characters = storyNouns.filter((n) => n.kind === 'character').slice(0, MAX_CHARACTERS);
  const cast = characters.map((n) => `the ${n.en}, ${n.phrase}`).join('; ');
  let lastPlaces = storyNouns.filter((n) => n.kind === 'place').slice(0, 1);
  let lastTime: Noun | undefined;

  const scenes = pieces.map((narration, i) => {
    const nouns = nounsIn(narration);
    const places = nouns.filter((n) => n.kind === 'place');
    // A scene that names no place or time stays where (and when) the story last was.
    if (places.length > 0) lastPlaces = places;
    lastTime = nouns.find((n) => n.kind === 'time') ?? lastTime;
    const present = nouns.filter((n) => n.kind === 'character');
    const shown = [...present, ...(places.length > 0 ? places : lastPlaces)].slice(0, MAX_SUBJECTS);
    const subjects = shown.map((n) => (n.kind === 'character' ? `the ${n.en}` : n.phrase));
    if (subjects.length === 0) subjects.push(characters[0] ? `the ${characters[0].en}` : 'a quiet storybook landscape');
    const mood = moodOf(narration);
    const imagePrompt =
      `${FRAMINGS[i % FRAMINGS.length]} of ${joinList(subjects)}${lastTime ? ` ${lastTime.phrase}` : ''}. ` +
      (cast ? `Characters: ${cast}. ` : '') +
      `${capitalize(MOOD_LIGHT[mood])}, rich detail, ${req.style}`;
    const focus = shown[0] ?? characters[0];
    const motionPrompt = `${MOTIONS[i % MOTIONS.length]} ${focus ? `the ${focus.en}` : 'the scene'}`;
    const act = req.structure === 'five-act' ? actFor(i, pieces.length) : undefined;
    return { ...(act ? { act } : {}), narration, imagePrompt, motionPrompt, mood };
  });
  return {
    title: titleOf(req.story, language),
    characters: characters.map((n) => ({ name: capitalize(n.en), description: n.phrase })),
    scenes,
  };
}

/** Acts in order over the scenes: all five from five scenes up, evenly sampled below that. */
export function actFor(index: number, count: number): Act {
  if (count >= ACTS.length) return ACTS[Math.floor((index * ACTS.length) / count)]!;
  if (count === 1) return ACTS[0];
  return ACTS[Math.round((index * (ACTS.length - 1)) / (count - 1))]!;
}

/** The story's first words, in its language: what a model tends to offer as a title. */
function titleOf(story: string, language: Language): string {
  const first = (splitSentences(story)[0] ?? '').replace(/[\s.!?。！？…,，、:;："'«»“”「」]+$/u, '');
  const short = isSpacelessScript(language) ? [...first].slice(0, 12).join('') : first.split(' ').slice(0, 6).join(' ');
  return capitalize(short.replace(/[,，、:;：]+$/u, '')).slice(0, 120) || 'Untitled';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function joinList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
