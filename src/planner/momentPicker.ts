/**
 * Asks the LLM for the best self-contained moments of a long video's transcript, each with a
 * reason and a hook line, and checks the answer (domain/moments.ts): one repair round trip quotes
 * the problems back, as the scene planner does. The transcript goes as timed lines inside a
 * `<moments>` block (the emulated LLM reads the same block back).
 */
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { LlmConfig } from '../config/providers.js';
import { type MomentRules, type SnappedMoment, type TimedWord, checkMoments } from '../domain/moments.js';
import type { Transcript } from '../domain/transcript.js';
import { describeEndpoint } from '../llm/client.js';
import { ProviderErrorTypes, failure } from '../providers/failures.js';
import { extractJson } from './extractJson.js';
import { type JsonAnswerSpec, completeJson } from './jsonCompletion.js';
import { repairPrompt } from './prompt.js';

const momentsAnswerSchema = z.object({
  moments: z.array(
    z.object({
      start: z.number().describe('Where the moment starts, in seconds from the start of the video'),
      end: z.number().describe('Where it ends, in seconds'),
      title: z.string().describe("A short title, in the transcript's language"),
      reason: z.string().describe('Why this moment works on its own as a short'),
      hook: z.string().describe('One line to open the short with, so a viewer stops scrolling'),
    }),
  ),
});

const MOMENTS_ANSWER: JsonAnswerSpec = {
  name: 'video_moments',
  schema: z.toJSONSchema(momentsAnswerSchema) as Record<string, unknown>,
  doing: 'picking the moments for shorts',
};

/** A transcript longer than this many lines goes in coarser lines (neighbours joined). */
const MAX_LINES = 1200;
const MAX_LINE_CHARS = 400;

export interface MomentRequest extends MomentRules {
  transcript: Transcript;
  words: readonly TimedWord[];
}

export async function pickMomentsWithLlm(
  client: OpenAI,
  config: LlmConfig,
  request: MomentRequest,
  signal?: AbortSignal,
): Promise<SnappedMoment[]> {
  const rules = { count: request.count, lengthSec: request.lengthSec, durationSec: request.durationSec };
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: systemPrompt(rules, request.transcript.language) },
    { role: 'user', content: userPrompt(request) },
  ];
  const first = await completeJson(client, config, MOMENTS_ANSWER, messages, signal);
  const checked = checkMoments(extractJson(first.text), request.words, rules);
  if ('moments' in checked) return checked.moments;
  messages.push({ role: 'assistant', content: first.text }, { role: 'user', content: repairPrompt(checked.problems) });
  const retry = await completeJson(client, config, MOMENTS_ANSWER, messages, signal, first.mode);
  const again = checkMoments(extractJson(retry.text), request.words, rules);
  if ('moments' in again) return again.moments;
  throw failure(
    ProviderErrorTypes.PlanInvalid,
    `${describeEndpoint('The LLM', config.baseUrl)} (${config.model}) did not pick usable moments, even after a repair round trip: ${again.problems.slice(0, 5).join('; ')}`,
  );
}

function systemPrompt(rules: MomentRules, language: string): string {
  return [
    'You pick the best moments of a long video to cut into vertical shorts (YouTube Shorts, TikTok, Reels). Answer with one JSON object only: {"moments": [{"start", "end", "title", "reason", "hook"}]}.',
    `Pick up to ${rules.count} moments, each about ${rules.lengthSec} seconds long, that do not overlap.`,
    'Each must stand on its own: it starts where a thought starts and ends where it ends, so a viewer who has not seen the rest follows it. Prefer moments with a clear point, a surprise, a strong claim or a story.',
    '"start" and "end" are seconds from the start of the video, taken from the times of the transcript lines.',
    `"title", "reason" and "hook" are in the transcript's language (${language}). "reason": why the moment works alone. "hook": one short line that makes a viewer stop scrolling.`,
  ].join('\n');
}

function userPrompt(request: MomentRequest): string {
  const block = {
    count: request.count,
    lengthSec: request.lengthSec,
    durationSec: request.durationSec,
    language: request.transcript.language,
    lines: transcriptLines(request.transcript),
  };
  return `Pick the moments of this video's transcript.\n<moments>${JSON.stringify(block)}</moments>`;
}

/** The transcript as timed lines, neighbours joined until it fits the prompt. */
export function transcriptLines(transcript: Transcript): { start: number; end: number; text: string }[] {
  let lines = transcript.segments.map((s) => ({ start: s.start, end: s.end, text: s.text }));
  while (lines.length > MAX_LINES) {
    const joined: typeof lines = [];
    for (let i = 0; i < lines.length; i += 2) {
      const [a, b] = [lines[i]!, lines[i + 1]];
      joined.push(b ? { start: a.start, end: b.end, text: `${a.text} ${b.text}` } : a);
    }
    lines = joined;
  }
  return lines.map((l) => ({ ...l, text: [...l.text].slice(0, MAX_LINE_CHARS).join('') }));
}
