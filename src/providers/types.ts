import type { Language } from '../domain/shortRequest.js';
import type { NarrationWords, WordTiming } from '../domain/words.js';

/** Makes one scene's picture. Offline providers say so, and the result reports it. */
export interface VisualProvider {
  readonly name: string;
  readonly offline: boolean;
  /**
   * Writes the image to `outPath` (PNG or JPEG). A failed write must reject (with its errno, so a
   * full disk becomes StorageFull); the activity decodes the file before it commits it anyway.
   */
  generate(request: {
    prompt: string;
    width: number;
    height: number;
    outPath: string;
    signal: AbortSignal;
  }): Promise<void>;
}

/** One clip to speak. `model` and `speed` are the request's, where the provider has such a thing. */
export interface SpeechRequest {
  text: string;
  voice: string;
  language: Language;
  model?: string;
  speed?: number;
  outPath: string;
  signal: AbortSignal;
}

/** What a provider knows about the clip it wrote, beyond the audio itself. */
export interface SpeechResult {
  /** When each word is spoken, relative to the clip's start. */
  words?: WordTiming[];
  /** `provider` when the voice reported them, `estimated` when measured another way. */
  wordsSource?: NarrationWords['source'];
}

/**
 * Speaks one scene's narration into an audio file (WAV). Have Node write the bytes, not the tool
 * itself: tools may exit 0 with a cut-off file on a full disk, while a Node write fails with ENOSPC.
 * The activity normalises the clip, checks it is whole and long enough for its text, and measures it.
 */
export interface NarrationProvider {
  readonly name: string;
  readonly offline: boolean;
  /** The voice a request will get: the one asked for, or the language's default. */
  voiceFor(language: Language, voice?: string): string;
  synthesize(request: SpeechRequest): Promise<SpeechResult | void>;
}
