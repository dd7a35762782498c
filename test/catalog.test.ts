import { describe, expect, it } from 'vitest';
import {
  CATALOG,
  type CatalogModel,
  type GenerationRequest,
  ModelInputError,
  actualCost,
  catalogModel,
  estimateCost,
  lookalike,
  modelsOfKind,
  snapDuration,
} from '../src/catalog/index.js';
import { ASPECTS } from '../src/domain/shortRequest.js';
import { BUILTIN_MODELS } from '../src/emulators/replicate/builtinModels.js';
import { ModelRegistry } from '../src/emulators/replicate/modelRegistry.js';
import type { EmulatedModel, MediaProfile } from '../src/emulators/replicate/models.js';
import {
  imageModelInput,
  musicModelInput,
  predictionTarget,
  speechModelInput,
  videoModelInput,
} from '../src/replicate/models.js';

const registry = new ModelRegistry(BUILTIN_MODELS);
const IMAGE = 'data:image/png;base64,iVBORw0KGgo=';

/** The emulator's model for a catalogued one, found the way our client will ask for it. */
function emulated(m: CatalogModel): EmulatedModel {
  const found = m.version ? registry.resolveByVersion(`${m.model}:${m.version}`) : registry.resolveByModel(m.model);
  if (!found.ok) throw new Error(`${m.model}: the emulator does not serve it (${found.detail})`);
  return found.model;
}

/** Every input field the emulator's spec names: rules, required inputs and the fields its media profile reads. */
function knownFields(model: EmulatedModel): Set<string> {
  const media: MediaProfile = model.media;
  const fields: (string | undefined)[] = [...Object.keys(model.inputRules), ...model.requiredInputs];
  if (media.kind === 'speech') {
    const s = media.speech;
    fields.push(s.format.field, s.sampleRate.field, s.channel?.field, s.bitrate?.field, s.pitchField);
  } else if (media.kind === 'music') {
    fields.push(media.music.duration.field, media.music.format.field, media.music.variant.field);
  } else if (media.kind === 'tool') {
    fields.push(...media.tool.imageFields, media.tool.maskField, media.tool.scaleField);
  } else if (media.kind === 'video') {
    const v = media.video;
    const length = 'seconds' in v.length ? v.length.seconds : v.length.frames;
    fields.push(v.fps.field, length.field, v.resolution.field, v.aspect.field, ...v.imageFields);
  }
  return new Set(fields.filter((f): f is string => f !== undefined));
}

/**
 * Real fields the emulator's rules leave out: replicate.com/minimax/speech-02-turbo/api lists
 * language_boost (builtinModels.ts names it in its comment but not in inputRules).
 */
const NOT_IN_EMULATOR_RULES: Record<string, string[]> = { 'minimax/speech-02-turbo': ['language_boost'] };

const KIND_TO_EMULATED = {
  image: 'image',
  'text-to-video': 'video',
  'image-to-video': 'video',
  speech: 'speech',
  music: 'music',
  'image-tool': 'tool',
} as const;

/** bria/remove-background's page gives no price we could read here: it is catalogued as unknown. */
const PRICE_NOT_KNOWN = ['bria/remove-background'];

/** A spread of requests: every aspect, lengths in and out of range, with and without the extras. */
function requests(m: CatalogModel): GenerationRequest[] {
  const out: GenerationRequest[] = [];
  for (const aspect of ASPECTS) {
    for (const durationSec of [undefined, 0.4, 1, 5, 6, 7.4, 7.5, 8, 10, 12, 29.2, 30, 45]) {
      for (const extras of [{}, { negativePrompt: 'blurry', seed: 42 }]) {
        const base = { prompt: 'a fox in the snow at dusk', aspect, durationSec, ...extras };
        if (m.kind === 'image-tool' && m.model !== 'stability-ai/sdxl') {
          for (const scale of [undefined, 2, 4])
            out.push({ ...base, imageUrl: IMAGE, maskUrl: IMAGE, scale, faceEnhance: true });
          continue;
        }
        if (m.kind !== 'image-to-video') out.push(base);
        if (m.kind === 'text-to-video' || m.kind === 'image-to-video') out.push({ ...base, imageUrl: IMAGE });
      }
    }
  }
  return out;
}

/** The input as the activities build it (the public functions), for each kind. */
function inputVia(m: CatalogModel, r: GenerationRequest): Record<string, unknown> {
  const ref = m.version ? `${m.model}:${m.version}` : m.model;
  switch (m.kind) {
    case 'image':
      return imageModelInput(ref, r);
    case 'image-tool':
      return m.input(r);
    case 'text-to-video':
    case 'image-to-video':
      return videoModelInput(ref, r);
    case 'speech': {
      const mapped = speechModelInput(ref, { text: r.prompt, language: 'en' });
      if ('unsupported' in mapped) throw new Error(mapped.unsupported);
      return mapped.input;
    }
    case 'music':
      return musicModelInput({ prompt: r.prompt, durationSec: r.durationSec ?? 8 }, ref);
  }
}

describe('every catalogued model maps our requests onto the inputs its real schema accepts', () => {
  it('covers the models the pipeline uses', () => {
    expect(CATALOG.map((m) => m.model).sort()).toEqual(
      [
        'black-forest-labs/flux-schnell',
        'bria/remove-background',
        'jaaari/kokoro-82m',
        'nightmareai/real-esrgan',
        'piddnad/ddcolor',
        'stability-ai/stable-diffusion-inpainting',
        'tencentarc/gfpgan',
        'kwaivgi/kling-v2.1',
        'kwaivgi/kling-v2.5-turbo-pro',
        'lucataco/animate-diff',
        'meta/musicgen',
        'minimax/speech-02-turbo',
        'minimax/video-01',
        'stability-ai/sdxl',
        'wan-video/wan-2.2-i2v-fast',
      ].sort(),
    );
    expect(new Set(CATALOG.map((m) => m.model)).size).toBe(CATALOG.length);
  });

  for (const m of CATALOG) {
    it(`${m.model}: served by the emulator with the same kind, output shape and version`, () => {
      const e = emulated(m);
      expect(e.kind).toBe(KIND_TO_EMULATED[m.kind]);
      expect(e.output).toBe(m.output);
      if (m.version) {
        expect(e.official).toBe(false);
        expect(e.versions).toContain(m.version);
        expect(predictionTarget(m.model)).toEqual({ version: m.version });
      } else {
        expect(e.official).toBe(true);
        expect(predictionTarget(m.model)).toEqual({ model: m.model });
      }
    });

    it(`${m.model}: every request is valid for the emulator's schema, with no field outside it`, () => {
      const e = emulated(m);
      const known = knownFields(e);
      const listsFields = Object.keys(e.inputRules).length > 0;
      for (const r of requests(m)) {
        for (const input of [m.input(r), inputVia(m, r)]) {
          const context = `${m.model} ${JSON.stringify({ ...r, imageUrl: r.imageUrl && 'IMAGE' })}`;
          expect(registry.validateInput(e, input), context).toBeUndefined();
          for (const field of e.requiredInputs) expect(input[field], `${context}: ${field}`).toBeTruthy();
          for (const [field, value] of Object.entries(input)) expect(value, `${context}: ${field}`).not.toBeUndefined();
          if (listsFields) {
            const outside = Object.keys(input).filter(
              (f) => !known.has(f) && !NOT_IN_EMULATOR_RULES[m.model]?.includes(f),
            );
            expect(outside, context).toEqual([]);
          }
        }
      }
    });

    it(`${m.model}: a price with its source, and a typical latency`, () => {
      expect(m.typicalSeconds).toBeGreaterThan(0);
      expect(m.price.per === 'unknown').toBe(PRICE_NOT_KNOWN.includes(m.model));
      if (m.price.per !== 'unknown') {
        expect(m.price.usd).toBeGreaterThan(0);
        expect(m.price.source).toMatch(/replicate\.com|estimate/i);
      }
    });
  }

  it('sends the prompt, image, aspect, seed and negative prompt under each model’s own names', () => {
    const r: GenerationRequest = {
      prompt: 'p',
      aspect: '9:16',
      negativePrompt: 'n',
      seed: 7,
      imageUrl: IMAGE,
      durationSec: 5,
    };
    expect(catalogModel('black-forest-labs/flux-schnell')!.input(r)).toEqual({
      prompt: 'p',
      aspect_ratio: '9:16',
      num_outputs: 1,
      output_format: 'png',
      seed: 7,
    });
    expect(catalogModel('stability-ai/sdxl')!.input(r)).toEqual({
      prompt: 'p',
      negative_prompt: 'n',
      width: 768,
      height: 1344,
      num_outputs: 1,
      seed: 7,
    });
    expect(catalogModel('kwaivgi/kling-v2.1')!.input(r)).toEqual({
      prompt: 'p',
      start_image: IMAGE,
      mode: 'standard',
      duration: 5,
      negative_prompt: 'n',
    });
    // With a start image Kling 2.5 takes the image's aspect, so aspect_ratio is not sent; without one it is.
    expect(catalogModel('kwaivgi/kling-v2.5-turbo-pro')!.input(r)).toEqual({
      prompt: 'p',
      start_image: IMAGE,
      duration: 5,
      negative_prompt: 'n',
    });
    expect(catalogModel('kwaivgi/kling-v2.5-turbo-pro')!.input({ ...r, imageUrl: undefined })).toMatchObject({
      aspect_ratio: '9:16',
    });
    expect(catalogModel('wan-video/wan-2.2-i2v-fast')!.input(r)).toEqual({
      image: IMAGE,
      prompt: 'p',
      num_frames: 81,
      frames_per_second: 16,
      resolution: '480p',
      seed: 7,
    });
    expect(catalogModel('minimax/video-01')!.input(r)).toEqual({ prompt: 'p', first_frame_image: IMAGE });
    expect(catalogModel('lucataco/animate-diff')!.input(r)).toEqual({ prompt: 'p', n_prompt: 'n', seed: 7 });
  });
});

describe('durations snap to the ones a model makes', () => {
  it('picks the nearest allowed duration, the longer one on a tie', () => {
    expect([1, 5, 7, 7.4, 7.5, 8, 10, 12, 60].map((d) => snapDuration([5, 10], d))).toEqual([
      5, 5, 5, 5, 10, 10, 10, 10, 10,
    ]);
    expect(snapDuration([6], 2)).toBe(6);
  });

  it('Kling is asked for 5 or 10 s, and that is the length it bills', () => {
    const kling = catalogModel('kwaivgi/kling-v2.1')!;
    for (const [asked, made] of [
      [undefined, 5],
      [3, 5],
      [7, 5],
      [8, 10],
      [15, 10],
    ] as const) {
      const r = { prompt: 'p', aspect: '9:16' as const, imageUrl: IMAGE, durationSec: asked };
      expect(kling.input(r).duration).toBe(made);
      expect(kling.seconds!(r)).toBe(made);
      expect(kling.durations).toContain(made);
    }
  });

  it('Wan makes 81–121 frames at 16 fps, MusicGen 1–30 whole seconds, Hailuo always 6 s, AnimateDiff 2 s', () => {
    const wan = catalogModel('wan-video/wan-2.2-i2v-fast')!;
    const frames = (d?: number) =>
      wan.input({ prompt: 'p', aspect: '1:1', imageUrl: IMAGE, durationSec: d }).num_frames;
    expect([undefined, 1, 5, 6, 7.5, 20].map(frames)).toEqual([81, 81, 81, 96, 120, 121]);
    expect(wan.seconds!({ prompt: 'p', aspect: '1:1', durationSec: 6 })).toBe(6);
    expect([0.2, 8, 12.1, 30, 95].map((d) => musicModelInput({ prompt: 'p', durationSec: d }).duration)).toEqual([
      1, 8, 13, 30, 30,
    ]);
    expect(catalogModel('minimax/video-01')!.seconds!({ prompt: 'p', aspect: '1:1', durationSec: 10 })).toBe(6);
    expect(catalogModel('lucataco/animate-diff')!.durations).toEqual([2]);
  });
});

describe('image-to-video models need an image', () => {
  for (const m of modelsOfKind('image-to-video')) {
    it(`${m.model} refuses a request without one, naming the model and imageUrl`, () => {
      const r = { prompt: 'p', aspect: '9:16' as const, durationSec: 5 };
      expect(() => m.input(r)).toThrow(ModelInputError);
      expect(() => videoModelInput(m.model, r)).toThrow(new RegExp(`${m.model}.*imageUrl`));
    });
  }

  it('the image-to-video models are Kling v2.1 and Wan; text-to-video ones take an image when given', () => {
    expect(modelsOfKind('image-to-video').map((m) => m.model)).toEqual([
      'kwaivgi/kling-v2.1',
      'wan-video/wan-2.2-i2v-fast',
    ]);
    expect(modelsOfKind('text-to-video').map((m) => m.model)).toEqual([
      'kwaivgi/kling-v2.5-turbo-pro',
      'minimax/video-01',
      'lucataco/animate-diff',
    ]);
    expect(() => videoModelInput('black-forest-labs/flux-schnell', { prompt: 'p', aspect: '1:1' })).toThrow(
      /image model, not a video model/,
    );
  });
});

describe('estimateCost, before a run', () => {
  it('a 5 s Kling clip: $0.25 in standard, $0.45 in pro; Kling 2.5 Turbo Pro $0.35', () => {
    const clip = { prompt: 'p', aspect: '9:16' as const, imageUrl: IMAGE, durationSec: 5 };
    expect(estimateCost('kwaivgi/kling-v2.1', clip)).toEqual({ usd: 0.25, basis: '5 s × $0.05/s (mode standard)' });
    expect(estimateCost('kwaivgi/kling-v2.1', { ...clip, modelInput: { mode: 'pro' } }).usd).toBe(0.45);
    expect(estimateCost('kwaivgi/kling-v2.1', { ...clip, durationSec: 9 }).usd).toBe(0.5); // snapped to 10 s
    expect(estimateCost('kwaivgi/kling-v2.5-turbo-pro', clip).usd).toBe(0.35);
  });

  it('4 FLUX images: $0.012', () => {
    const cost = estimateCost('black-forest-labs/flux-schnell', { prompt: 'p', aspect: '1:1', outputs: 4 });
    expect(cost).toEqual({ usd: 0.012, basis: '4 image(s) × $0.003' });
    expect(estimateCost('black-forest-labs/flux-schnell', { modelInput: { num_outputs: 4 } }).usd).toBe(0.012);
  });

  it('30 s of MusicGen: its estimated run time on its hardware (an A100), ≈ $0.12', () => {
    const ref = 'meta/musicgen:671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb';
    const cost = estimateCost(ref, { prompt: 'calm piano', durationSec: 30 });
    expect(cost.usd).toBeCloseTo(85 * 0.0014, 6);
    expect(cost.basis).toMatch(/85 s .*A100/);
    expect(estimateCost(ref, { prompt: 'calm piano', durationSec: 10 }).usd!).toBeLessThan(cost.usd!);
  });

  it('per clip (Wan by resolution, Hailuo), per character (MiniMax speech), per hardware second (SDXL, Kokoro)', () => {
    const wan = { prompt: 'p', aspect: '9:16' as const, imageUrl: IMAGE };
    expect(estimateCost('wan-video/wan-2.2-i2v-fast', wan).usd).toBe(0.05);
    expect(estimateCost('wan-video/wan-2.2-i2v-fast', { ...wan, modelInput: { resolution: '720p' } }).usd).toBe(0.11);
    expect(estimateCost('minimax/video-01', { prompt: 'p' }).usd).toBe(0.5);
    expect(estimateCost('minimax/speech-02-turbo', { prompt: 'x'.repeat(500) }).usd).toBe(0.03);
    expect(estimateCost('stability-ai/sdxl', { prompt: 'p', outputs: 2 }).usd).toBeCloseTo(12 * 0.000975, 9);
    expect(estimateCost(catalogModel('jaaari/kokoro-82m'), { prompt: 'hi' }).usd).toBeCloseTo(15 * 0.000225, 9);
  });
});

describe('actualCost, from the prediction', () => {
  it('video seconds from metrics, at the rate of the mode that was sent', () => {
    const metrics = { predict_time: 190, video_output_duration_seconds: 10 };
    expect(actualCost('kwaivgi/kling-v2.1', { metrics, outputCount: 1, input: { mode: 'pro' } })).toEqual({
      usd: 0.9,
      basis: '10 s × $0.09/s (mode pro)',
    });
    expect(actualCost('kwaivgi/kling-v2.1', { metrics, outputCount: 1 }).usd).toBe(0.5);
    // No duration metric: the duration the input asked for.
    expect(actualCost('kwaivgi/kling-v2.5-turbo-pro', { outputCount: 1, input: { duration: 5 } }).usd).toBe(0.35);
  });

  it('images from image_count (else the files returned), hardware from predict_time, speech from characters', () => {
    expect(actualCost('black-forest-labs/flux-schnell', { metrics: { image_count: 4 }, outputCount: 4 }).usd).toBe(
      0.012,
    );
    expect(actualCost('black-forest-labs/flux-schnell', { outputCount: 2 }).usd).toBe(0.006);
    const musicgen = actualCost('meta/musicgen', { metrics: { predict_time: 61.2 }, outputCount: 1 });
    expect(musicgen).toEqual({ usd: 0.08568, basis: '61.2 s of Nvidia A100 (80GB) GPU × $0.0014/s' });
    expect(actualCost('stability-ai/sdxl', { metrics: { predict_time: 4 }, outputCount: 1 }).usd).toBe(0.0039);
    expect(
      actualCost('minimax/speech-02-turbo', { metrics: { character_input_count: 1234 }, outputCount: 1 }).usd,
    ).toBe(0.07404);
    expect(actualCost('wan-video/wan-2.2-i2v-fast', { outputCount: 1, input: { resolution: '720p' } }).usd).toBe(0.11);
  });

  it('a missing metric is no figure, not zero', () => {
    const cost = actualCost('stability-ai/sdxl', { outputCount: 1 });
    expect(cost.usd).toBeUndefined();
    expect(cost.basis).toMatch(/no predict_time/);
  });
});

describe('unknown models stay usable, at an unknown price', () => {
  it('an unknown model or price is usd undefined with basis "price unknown", never 0', () => {
    for (const cost of [
      estimateCost('acme/brand-new-video', { prompt: 'p', durationSec: 5 }),
      estimateCost(undefined, { prompt: 'p' }),
      actualCost('acme/brand-new-video', { metrics: { predict_time: 30 }, outputCount: 1 }),
      estimateCost(lookalike('acme/sdxl-anime', 'image'), { prompt: 'p' }),
    ]) {
      expect(cost.usd).toBeUndefined();
      expect(cost.usd).not.toBe(0);
      expect(cost.basis).toBe('price unknown');
    }
    const odd = estimateCost('wan-video/wan-2.2-i2v-fast', { imageUrl: IMAGE, modelInput: { resolution: '1080p' } });
    expect(odd).toEqual({ basis: 'price unknown for resolution 1080p' });
  });

  it('an uncatalogued video model gets the prompt and the caller’s input, merged prototype-safely', () => {
    const extra = JSON.parse('{"fps": 24, "__proto__": {"polluted": true}, "constructor": "x"}') as Record<
      string,
      unknown
    >;
    const input = videoModelInput('acme/brand-new-video', { prompt: 'p', aspect: '9:16' }, extra);
    expect(input).toEqual({ prompt: 'p', fps: 24 });
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('uncatalogued image, speech and music models map like their family, as they always did', () => {
    expect(imageModelInput('acme/sdxl-anime:0123456789abcdef', { prompt: 'p', aspect: '16:9' })).toMatchObject({
      width: 1344,
      height: 768,
    });
    expect(imageModelInput('acme/other-image', { prompt: 'p', aspect: '16:9' }, { num_outputs: 2 })).toEqual({
      prompt: 'p',
      aspect_ratio: '16:9',
      num_outputs: 2,
      output_format: 'png',
    });
    expect(speechModelInput('minimax/speech-02-hd', { text: 'Привет', language: 'ru' })).toEqual({
      input: { text: 'Привет', voice_id: 'Calm_Woman', language_boost: 'Russian' },
      voice: 'Calm_Woman',
    });
    expect(speechModelInput('acme/kokoro-v2', { text: 'x', language: 'ko' })).toEqual({
      unsupported: 'acme/kokoro-v2 has no ko voice; use minimax/speech-02-turbo, ElevenLabs or OpenAI for it',
    });
    expect(musicModelInput({ prompt: 'p', durationSec: 12 }, 'acme/music')).toMatchObject({ duration: 12 });
    expect(predictionTarget('acme/other-image')).toEqual({ model: 'acme/other-image' });
  });
});

describe('lookups', () => {
  it('by owner/name, owner/name:version, a bare catalogued version; undefined otherwise', () => {
    const kokoro = catalogModel('jaaari/kokoro-82m');
    expect(kokoro?.kind).toBe('speech');
    expect(catalogModel(`jaaari/kokoro-82m:${kokoro!.version}`)).toBe(kokoro);
    expect(catalogModel(kokoro!.version!)).toBe(kokoro);
    expect(catalogModel('stability-ai/sdxl:0000000000000000')?.model).toBe('stability-ai/sdxl');
    expect(catalogModel('acme/unknown')).toBeUndefined();
    expect(catalogModel('deadbeefdeadbeef')).toBeUndefined();
    expect(predictionTarget('acme/x:deadbeef')).toEqual({ version: 'deadbeef' });
  });

  it('speech keeps its voices and its reason for a language it cannot speak', () => {
    expect(speechModelInput('jaaari/kokoro-82m', { text: 'Hi', language: 'en', speed: 1.2 })).toEqual({
      input: { text: 'Hi', voice: 'af_bella', speed: 1.2 },
      voice: 'af_bella',
    });
    const ru = speechModelInput(`jaaari/kokoro-82m:${catalogModel('jaaari/kokoro-82m')!.version}`, {
      text: 'Привет',
      language: 'ru',
    });
    expect(ru).toEqual({
      unsupported: 'jaaari/kokoro-82m has no ru voice; use minimax/speech-02-turbo, ElevenLabs or OpenAI for it',
    });
    expect(speechModelInput('minimax/speech-02-turbo', { text: 'x', language: 'ja', voice: 'Deep_Voice_Man' })).toEqual(
      { input: { text: 'x', voice_id: 'Deep_Voice_Man', language_boost: 'Japanese' }, voice: 'Deep_Voice_Man' },
    );
  });
});
