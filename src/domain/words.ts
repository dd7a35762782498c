/**
 * When each word of a narration clip is spoken, relative to the clip's start. Providers that
 * report timings (ElevenLabs' character alignment) give them exactly; others are estimated. Stored
 * as JSON beside the clip (`narration.words.json`), so captions can change pages on the spoken word.
 */
export interface WordTiming {
  text: string;
  startSec: number;
  endSec: number;
}

export interface NarrationWords {
  /** `provider`: timings the voice reported; `estimated`: measured another way (see the provider). */
  source: 'provider' | 'estimated';
  words: WordTiming[];
}
