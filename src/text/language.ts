import type { Language } from '../domain/shortRequest.js';

const HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/gu;
const KANA = /[\u3040-\u30ff]/gu;
const HAN = /[\u4e00-\u9fff\u3400-\u4dbf]/gu;
const CYRILLIC = /[\u0400-\u04ff]/gu;
const LATIN = /[a-zA-Z\u00c0-\u024f]/gu;

/** Detects the story's language from its script; good enough to pick a voice and a font. */
export function detectLanguage(text: string): Language {
  const count = (re: RegExp) => text.match(re)?.length ?? 0;
  const scores: [Language, number][] = [
    ['ko', count(HANGUL)],
    ['ja', count(KANA) * 2],
    ['zh', count(HAN)],
    ['ru', count(CYRILLIC)],
    ['en', count(LATIN) / 3],
  ];
  // Japanese text mixes kana with Han; any meaningful kana share means Japanese, not Chinese.
  const kana = count(KANA);
  if (kana > 0 && kana * 5 >= count(HAN)) return 'ja';
  scores.sort((a, b) => b[1] - a[1]);
  const best = scores[0];
  return best && best[1] > 0 ? best[0] : 'en';
}

/** Languages written without spaces between words: wrapping may break between any two characters. */
export function isSpacelessScript(language: Language): boolean {
  return language === 'zh' || language === 'ja';
}
