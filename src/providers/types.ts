import type { Language } from '../domain/shortRequest.js';

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

/**
 * Speaks one scene's narration into a WAV file. Have Node write the bytes, not the tool itself:
 * tools may exit 0 with a cut-off file on a full disk, while a Node write fails with ENOSPC. The
 * header sizes must match the file; the activity checks them, decodes the clip and compares its
 * length with the text before it commits it.
 */
export interface NarrationProvider {
  readonly name: string;
  readonly offline: boolean;
  /** The voice a request will get: the one asked for, or the language's default. */
  voiceFor(language: Language, voice?: string): string;
  synthesize(request: { text: string; voice: string; outPath: string; signal: AbortSignal }): Promise<void>;
}
