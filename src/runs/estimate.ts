/**
 * What a run will cost before it runs: every prediction it is going to make, priced from the model
 * catalog (src/catalog/cost.ts) with what the request already says. A short's plan does not exist
 * yet, so the estimate assumes its `sceneCount` scenes (a story too short to split gets fewer),
 * each narrating an equal share of the story, and prices each scene's clip for that share's length.
 * Unknown prices stay unknown: they are counted, never added as 0. Nothing here calls a provider.
 */
import { STILL_NOT_MADE_YET, estimateCost } from '../catalog/cost.js';
import type { ImageBatchInput } from '../domain/batch.js';
import { type ShortVideoInput, visualModeOf } from '../domain/shortRequest.js';
import { estimatedSeconds } from '../planner/checkPlan.js';
import { detectLanguage } from '../text/language.js';
import {
  DEFAULT_MUSIC_MODEL,
  DEFAULT_REPLICATE_MODEL,
  DEFAULT_SPEECH_MODEL,
} from '../workflows/replicateActivities.js';

export interface EstimateLine {
  /** What is paid for: "scene image", "scene clip (video)", "narration", "music bed", "batch image". */
  what: string;
  model: string;
  /** How many such predictions. */
  count: number;
  /** One prediction's price; absent when unknown. */
  eachUsd?: number;
  /** count × eachUsd; absent when unknown. */
  usd?: number;
  /** How the price was reached, or why it is unknown. */
  basis: string;
}

export interface Estimate {
  /** The priced lines' total (an upper bound for a short whose story splits into fewer scenes). */
  usd: number;
  predictions: number;
  /** Predictions among them whose price is unknown. */
  unpriced: number;
  lines: EstimateLine[];
  /** What the figure leaves out. */
  notes: string[];
}

/**
 * `planned`: the plan's narrations, once there is a plan (the estimate shown for approval); before
 * that, `sceneCount` equal shares of the story.
 */
export function estimateShort(input: ShortVideoInput, planned?: string[]): Estimate {
  const scenes = planned?.length ?? input.sceneCount;
  const modes = Array.from({ length: scenes }, (_, i) => visualModeOf(input.visuals, i));
  const language = input.language ?? detectLanguage(input.story);
  const longest = planned?.reduce((a, b) => ([...b].length > [...a].length ? b : a), '');
  const shareText = longest ?? shareOf(input.story, scenes);
  const sceneSec = Math.max(2, estimatedSeconds(shareText, { language }) + 0.6);
  const lines: EstimateLine[] = [];
  const notes: string[] = [];
  const stills = modes.filter((m) => m !== 'video').length;
  if (input.provider === 'replicate') {
    const model = input.model ?? DEFAULT_REPLICATE_MODEL;
    lines.push(
      line(
        'scene image',
        model,
        stills,
        estimateCost(model, { prompt: shareText, aspect: input.aspect, modelInput: input.modelInput }),
      ),
    );
  }
  for (const mode of ['video', 'image-to-video'] as const) {
    const count = modes.filter((m) => m === mode).length;
    const model = mode === 'video' ? input.videoModel : (input.imageToVideoModel ?? input.videoModel);
    if (!count || !model) continue;
    const request = {
      prompt: shareText,
      aspect: input.aspect,
      durationSec: sceneSec,
      ...(mode === 'image-to-video' ? { imageUrl: STILL_NOT_MADE_YET } : {}),
      modelInput: input.videoModelInput,
    };
    lines.push(line(`scene clip (${mode})`, model, count, estimateCost(model, request)));
  }
  const narration = input.narration;
  if (narration?.provider === 'replicate') {
    const model = narration.model ?? DEFAULT_SPEECH_MODEL;
    lines.push(
      line('narration', model, scenes, estimateCost(model, { prompt: shareText, aspect: input.aspect, language })),
    );
  } else if (narration?.provider === 'openai' || narration?.provider === 'elevenlabs') {
    notes.push(
      `${narration.provider} narration is billed by that provider per character, outside Replicate; not included.`,
    );
  }
  if (input.music?.source === 'replicate') {
    const model = input.music.model ?? DEFAULT_MUSIC_MODEL;
    const durationSec = Math.ceil(scenes * sceneSec);
    lines.push(
      line(
        'music bed',
        model,
        1,
        estimateCost(model, { prompt: input.music.prompt ?? '', aspect: input.aspect, durationSec }),
      ),
    );
  }
  if (input.planner !== 'offline' && input.planner !== undefined)
    notes.push('LLM planning is billed by the LLM provider by tokens; not included.');
  notes.push(
    planned
      ? `Prices every scene like the longest planned one (about ${sceneSec.toFixed(1)} s).`
      : `Assumes ${scenes} scenes of about ${sceneSec.toFixed(1)} s each; the plan may make fewer.`,
  );
  return total(lines, notes);
}

export function estimateBatch(input: ImageBatchInput): Estimate {
  const model = input.model ?? DEFAULT_REPLICATE_MODEL;
  const cost = estimateCost(model, { prompt: input.tasks[0]!.prompt, aspect: '1:1', modelInput: input.modelInput });
  return total([line('batch image', model, input.tasks.length, cost)], []);
}

/** "scene image ×5 black-forest-labs/flux-schnell  $0.0150  (5 image(s) × $0.003)", one per line, then the total. */
export function describeEstimate(estimate: Estimate): string[] {
  const rows = estimate.lines.map(
    (l) =>
      `  ${`${l.what} ×${l.count}`.padEnd(30)} ${l.model.padEnd(36)} ${l.usd !== undefined ? `$${l.usd.toFixed(4)}` : 'price unknown'}  (${l.basis})`,
  );
  const unknown = estimate.unpriced ? `, ${estimate.unpriced} without a known price` : '';
  return [
    ...rows,
    `  total ≈ $${estimate.usd.toFixed(4)} for ${estimate.predictions} prediction${estimate.predictions === 1 ? '' : 's'}${unknown}`,
    ...estimate.notes.map((n) => `  note: ${n}`),
  ];
}

function line(what: string, model: string, count: number, cost: { usd?: number; basis: string }): EstimateLine {
  return {
    what,
    model,
    count,
    ...(cost.usd !== undefined ? { eachUsd: cost.usd, usd: round(cost.usd * count) } : {}),
    basis: cost.basis,
  };
}

function total(lines: EstimateLine[], notes: string[]): Estimate {
  const kept = lines.filter((l) => l.count > 0);
  return {
    usd: round(kept.reduce((sum, l) => sum + (l.usd ?? 0), 0)),
    predictions: kept.reduce((sum, l) => sum + l.count, 0),
    unpriced: kept.filter((l) => l.usd === undefined).reduce((sum, l) => sum + l.count, 0),
    lines: kept,
    notes,
  };
}

/** One scene's share of the story's text (its first `length / scenes` characters, at a word break). */
function shareOf(story: string, scenes: number): string {
  const chars = [...story.trim()];
  const size = Math.ceil(chars.length / Math.max(1, scenes));
  return chars.slice(0, size).join('');
}

function round(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}
