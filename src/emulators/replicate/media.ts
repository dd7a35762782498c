/**
 * What a prediction's output files are, by the model's kind: their names (and so their content
 * types), the billing metrics Replicate reports for them, and how each one is made.
 */
import type { EmulatedModel } from './models.js';
import { colourFor, sizeFor, solidPng } from './png.js';
import { musicRequest, renderMusic } from './music.js';
import { renderSpeech, speechFormat } from './speech.js';
import type { MediaTools } from './tools.js';
import { renderTool } from './toolRender.js';
import { renderVideo, videoTiming } from './video.js';

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  pcm: 'application/octet-stream',
  mp4: 'video/mp4',
};

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/** The output file names of a successful prediction: `out-0.png` … or one `out-0.<ext>`. */
export function outputNames(model: EmulatedModel, input: Record<string, unknown>): string[] {
  const media = model.media;
  switch (media.kind) {
    case 'image':
    case 'tool': {
      const n = model.output === 'single' ? 1 : typeof input.num_outputs === 'number' ? input.num_outputs : 1;
      return Array.from({ length: n }, (_, i) => `out-${i}.png`);
    }
    case 'speech':
      return [`out-0.${speechFormat(media.speech, input)}`];
    case 'music':
      return [`out-0.${musicRequest(media.music, input).format}`];
    case 'video':
      return ['out-0.mp4'];
    case 'transcript':
    case 'caption':
      return [];
  }
}

/**
 * Metrics beside predict_time/total_time. Official models are billed by what they make, and
 * Replicate reports those units (cog's billing metrics); community models are billed by time.
 */
export function outputMetrics(
  model: EmulatedModel,
  input: Record<string, unknown>,
  files: number,
): Record<string, number> {
  const media = model.media;
  if (media.kind === 'image') return { image_count: files };
  if (media.kind === 'tool' || media.kind === 'transcript' || media.kind === 'caption') return {};
  if (!model.official) return {};
  if (media.kind === 'video') {
    const { fps, frames } = videoTiming(media.video, input);
    return { video_output_count: files, video_output_duration_seconds: Math.round((frames / fps) * 1000) / 1000 };
  }
  if (media.kind === 'speech') {
    return {
      character_input_count: typeof input.text === 'string' ? [...input.text].length : 0,
      audio_output_count: files,
    };
  }
  return { audio_output_count: files };
}

/** A message when the model would fail on this input at run time (not a schema error), else undefined. */
export function runtimeProblem(model: EmulatedModel, input: Record<string, unknown>): string | undefined {
  if (model.media.kind === 'music' && !input.prompt && !input.input_audio) {
    return 'ValueError: Must provide either prompt or input_audio';
  }
  return undefined;
}

export interface RenderContext {
  tools: MediaTools;
  imageSize: number;
  videoScale: number;
}

/** The bytes of output file `index` (its name is `name`). */
export async function renderOutput(
  ctx: RenderContext,
  model: EmulatedModel,
  input: Record<string, unknown>,
  index: number,
  image?: () => Promise<Buffer>,
  mask?: () => Promise<Buffer>,
): Promise<Buffer> {
  const media = model.media;
  const prompt = typeof input.prompt === 'string' ? input.prompt : JSON.stringify(input);
  switch (media.kind) {
    case 'image': {
      const { width, height } = sizeFor(input, ctx.imageSize);
      return solidPng(width, height, colourFor(prompt, index));
    }
    case 'tool': {
      if (!image) throw new Error('ValueError: an input image is required');
      return renderTool(media.tool, input, await image(), mask ? await mask() : undefined);
    }
    case 'speech':
      return ctx.tools.work((ws) => renderSpeech(ws, media.speech, input));
    case 'music':
      return ctx.tools.work((ws) => renderMusic(ws, prompt, musicRequest(media.music, input)));
    case 'video': {
      // The input image is read before a tool slot is taken: it may itself be an output being made.
      const bytes = image ? await image() : undefined;
      return ctx.tools.work((ws) =>
        renderVideo(ws, { profile: media.video, input, scale: ctx.videoScale, ...(bytes ? { image: bytes } : {}) }),
      );
    }
    case 'transcript':
    case 'caption':
      throw new Error(`a ${media.kind} has no output files`);
  }
}
