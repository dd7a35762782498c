/**
 * The models whose output is JSON about their input file (speech recognition, vision) start
 * reading it when the prediction is created, as the real ones do: WhisperX hears the audio's
 * words, LLaVA and BLIP see the still's colour. The other models make media at the end instead.
 */
import { captionOutput, describeImage } from './caption.js';
import type { InputFile } from './inputs.js';
import type { EmulatedModel } from './models.js';
import type { MediaTools } from './tools.js';
import { type Vocabulary, transcribe } from './transcribe.js';

/** What the model makes of `file`, or undefined for a model that does not read its input this way. */
export function readInputFile(
  media: EmulatedModel['media'],
  file: InputFile,
  tools: MediaTools,
  vocabulary: Vocabulary,
): Promise<unknown> | undefined {
  if (media.kind === 'caption') {
    const { output } = media.caption;
    return file.load().then((bytes) => describeImage(bytes).then((text) => captionOutput(text, output)));
  }
  if (media.kind === 'transcript') return file.load().then((bytes) => transcribe(tools, vocabulary, bytes));
  return undefined;
}
