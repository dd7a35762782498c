import type { WordTiming } from '../domain/words.js';

/** Han, kana and Hangul syllables: writing where every character is (about) one spoken unit. */
const SPACELESS_CHAR = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]/u;

/**
 * Words and their times from a character alignment (ElevenLabs' `alignment`): runs of non-space
 * characters are words, and in Chinese and Japanese every character is one; punctuation rides on the
 * word before it, so a caption page never starts with it.
 */
export function wordsFromCharacters(characters: string[], starts: number[], ends: number[]): WordTiming[] {
  const words: WordTiming[] = [];
  let current: WordTiming | undefined;
  let currentIsSpaceless = false;
  characters.forEach((char, i) => {
    const start = starts[i] ?? 0;
    const end = ends[i] ?? start;
    if (/\s/u.test(char)) {
      current = undefined;
      return;
    }
    const punctuation = /[\p{P}\p{S}]/u.test(char);
    const spaceless = SPACELESS_CHAR.test(char);
    if (current && (punctuation || (!spaceless && !currentIsSpaceless))) {
      current.text += char;
      current.endSec = Math.max(current.endSec, end);
      return;
    }
    current = { text: char, startSec: start, endSec: end };
    currentIsSpaceless = spaceless;
    words.push(current);
  });
  return words.map((w) => ({ ...w, startSec: round(w.startSec), endSec: round(w.endSec) }));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
