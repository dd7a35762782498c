/**
 * The words an espeak-ng clip is timed by (espeakAlignment.ts), and the measuring text that speaks
 * each of them on its own between long breaks.
 */
import type { Language } from '../domain/shortRequest.js';

/** One word to time: a character range of the narration text (UTF-16 offsets). */
export interface AlignmentUnit {
  text: string;
  start: number;
  end: number;
  /** Its letters (CJK characters count one each): the fallback guess of its relative length. */
  letters: number;
  /** Ends with punctuation after which espeak pauses. */
  clauseEnd: boolean;
}

/** The pause put between words in the measuring clip. */
export const BREAK_MS = 500;

const LETTER = /[\p{L}\p{N}]/u;
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
/** Kana that belong to the mora before them (small kana, the long-vowel mark, iteration marks). */
const KANA_TAIL = /[ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶー々ゝゞヽヾ゛゜]/u;
const CLAUSE_PUNCT = /[.,!?;:…。，、！？；：]["'”’»」』）)\]]*$/u;

/**
 * The words to time. Spaced scripts: whitespace-separated tokens. Chinese and Japanese: every
 * character (kana with their small kana and marks), and runs of Latin letters or digits. Tokens
 * without a letter or digit (a dash, an emoji, quotes) join the word before them: espeak says nothing
 * for most of them, and a silent word would have no run of sound to be found by.
 */
export function alignmentUnits(text: string, language: Language): AlignmentUnit[] {
  const pieces: { start: number; end: number }[] = [];
  if (language === 'zh' || language === 'ja') {
    let latin: { start: number; end: number } | undefined;
    for (let at = 0; at < text.length;) {
      const ch = String.fromCodePoint(text.codePointAt(at)!);
      const next = at + ch.length;
      if (/\s/u.test(ch)) latin = undefined;
      else if (CJK_CHAR.test(ch) && !KANA_TAIL.test(ch)) {
        latin = undefined;
        pieces.push({ start: at, end: next });
      } else if (LETTER.test(ch) && !KANA_TAIL.test(ch)) {
        if (latin) latin.end = next;
        else pieces.push((latin = { start: at, end: next }));
      } else {
        latin = undefined;
        pieces.push({ start: at, end: next }); // punctuation or a kana tail: merged below
      }
      at = next;
    }
  } else {
    for (const m of text.matchAll(/\S+/gu)) pieces.push({ start: m.index, end: m.index + m[0].length });
  }
  const units: AlignmentUnit[] = [];
  let pending: { start: number; end: number } | undefined; // letterless pieces before the first word
  for (const piece of pieces) {
    const slice = text.slice(piece.start, piece.end);
    const last = units.at(-1);
    if (!LETTER.test(slice) || KANA_TAIL.test(slice)) {
      if (last) last.end = piece.end;
      else pending = { start: pending?.start ?? piece.start, end: piece.end };
      continue;
    }
    units.push({ text: '', start: pending?.start ?? piece.start, end: piece.end, letters: 0, clauseEnd: false });
    pending = undefined;
  }
  for (const unit of units) {
    unit.text = text.slice(unit.start, unit.end);
    unit.letters = [...unit.text].filter((ch) => LETTER.test(ch)).length;
    unit.clauseEnd = CLAUSE_PUNCT.test(unit.text);
  }
  return units;
}

/** The measuring text: every word on its own, separated by a long break. */
export function ssmlWithBreaks(units: AlignmentUnit[], breakMs = BREAK_MS): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<speak>${units.map((u) => escape(u.text)).join(`<break time="${breakMs}ms"/>`)}</speak>`;
}
