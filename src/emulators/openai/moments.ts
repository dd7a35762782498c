/**
 * The emulated moment picker: the `<moments>{…}</moments>` block the real picker sends
 * (planner/momentPicker.ts) answered with the densest stretches of talk, a deterministic stand-in
 * for taste. Each line's words are spread evenly over the line's time, as the emulator cannot hear.
 */
import { z } from 'zod';
import { type TimedWord, densestStretches, preview } from '../../domain/moments.js';

const momentsRequestSchema = z.looseObject({
  count: z.number().int().min(1),
  lengthSec: z.number().positive(),
  durationSec: z.number().positive(),
  language: z.string().nullish(),
  lines: z.array(z.looseObject({ start: z.number(), end: z.number(), text: z.string() })),
});

const BLOCK = /<moments>([\s\S]*?)<\/moments>/;

/** The hook's opening, in the transcript's language as the prompt asks (English for the rest). */
const HOOK_OPENERS: Record<string, string> = {
  en: 'Wait for it:',
  ru: 'Смотрите:',
  zh: '注意：',
  ja: '見てください：',
  ko: '잠깐만요:',
};

/** The answer to a moments chat, or undefined when this chat asks for something else. */
export function answerMoments(userTexts: readonly string[]): string | undefined {
  const block = userTexts.map((t) => BLOCK.exec(t)?.[1]).find((b) => b !== undefined);
  if (block === undefined) return undefined;
  let parsed;
  try {
    parsed = momentsRequestSchema.safeParse(JSON.parse(block));
  } catch (e) {
    return JSON.stringify({ answer: `I could not read the <moments> block: ${(e as Error).message}` });
  }
  if (!parsed.success)
    return JSON.stringify({ answer: 'The <moments> block does not hold count, lengthSec and lines.' });
  const request = parsed.data;
  const words: TimedWord[] = request.lines.flatMap((line) => {
    const parts = line.text.split(/\s+/).filter(Boolean);
    const step = (line.end - line.start) / Math.max(1, parts.length);
    return parts.map((word, i) => ({ word, start: line.start + i * step, end: line.start + (i + 1) * step }));
  });
  const stretches = densestStretches(words, request);
  return JSON.stringify({
    moments: stretches.map(({ start, end }) => {
      const said = words.filter((w) => w.start >= start && w.end <= end).map((w) => w.word);
      const text = said.join(' ');
      return {
        start,
        end,
        title: preview(text, 4),
        reason: `${said.length} words in ${Math.round(end - start)} s: the busiest talk of the video`,
        hook: `${HOOK_OPENERS[request.language ?? 'en'] ?? HOOK_OPENERS.en} ${preview(text, 6)}`,
      };
    }),
  });
}
