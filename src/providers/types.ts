import type { Language } from '../domain/shortRequest.js';

/** Makes one scene's picture. Offline providers say so, and the result reports it. */
export interface VisualProvider {
  readonly name: string;
  readonly offline: boolean;
  /** Writes the image to `outPath` (PNG or JPEG). */
  generate(request: {
    prompt: string;
    width: number;
    height: number;
    outPath: string;
    signal: AbortSignal;
  }): Promise<void>;
}

/** Speaks one scene's narration into a WAV file. */
export interface NarrationProvider {
  readonly name: string;
  readonly offline: boolean;
  /** The voice a request will get: the one asked for, or the language's default. */
  voiceFor(language: Language, voice?: string): string;
  synthesize(request: { text: string; voice: string; outPath: string; signal: AbortSignal }): Promise<void>;
}
