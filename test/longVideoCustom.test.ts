/**
 * The pure pieces behind a long video's custom model and scene descriptions: placeholders filled
 * with numbers as numbers, the emulator's colour names, and vision outputs read into one sentence.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { descriptionOf, visionInput } from '../src/activities/longVideo/describe.js';
import { outputFileUrls } from '../src/activities/longVideo/custom.js';
import { customTaskSchema, fillPlaceholders } from '../src/domain/longVideoCustom.js';
import { captionOutput, colourName, describeImage } from '../src/emulators/replicate/caption.js';

describe('custom model inputs', () => {
  it('fills every placeholder, numbers as numbers, in nested values too, and drops an unknown language', () => {
    const input = {
      audio: '{{chunk.url}}',
      window: { from: '{{chunk.startSec}}', to: '{{chunk.endSec}}' },
      tags: ['{{chunk.index}}', 'keep'],
      language: '{{language}}',
      steps: 4,
    };
    const chunk = { url: 'https://x/f', startSec: 61.5, endSec: 120, index: 1 };
    expect(fillPlaceholders(input, { ...chunk, language: 'ru' })).toEqual({
      audio: 'https://x/f',
      window: { from: 61.5, to: 120 },
      tags: [1, 'keep'],
      language: 'ru',
      steps: 4,
    });
    expect(fillPlaceholders(input, chunk)).not.toHaveProperty('language');
  });

  it('the schema wants the chunk passed and every {{…}} to be exactly a placeholder', () => {
    const ok = customTaskSchema.safeParse({ model: 'a/b', input: { f: '{{chunk.url}}' } });
    expect(ok.success && ok.data.media).toBe('audio');
    const nested = customTaskSchema.safeParse({ model: 'a/b', input: { f: ['{{chunk.url}}', '{{chunk.size}}'] } });
    expect(nested.success).toBe(false);
    expect(nested.error?.issues[0]?.path).toEqual(['input', 'f', 1]);
    expect(customTaskSchema.safeParse({ model: `a/b:${'0'.repeat(64)}`, input: { f: '{{chunk.url}}' } }).success).toBe(
      true,
    );
    expect(customTaskSchema.safeParse({ model: 'a/b:latest', input: { f: '{{chunk.url}}' } }).success).toBe(false);
  });

  it('an output is files only when it is a URL or a list of URLs', () => {
    expect(outputFileUrls('https://r/a.wav')).toEqual(['https://r/a.wav']);
    expect(outputFileUrls(['https://r/a.png', 'https://r/b.png'])).toHaveLength(2);
    expect(outputFileUrls({ segments: [] })).toBeUndefined();
    expect(outputFileUrls(['https://r/a.png', 'text'])).toBeUndefined();
    expect(outputFileUrls([])).toBeUndefined();
  });
});

describe('scene descriptions', () => {
  it("the emulator names a picture's colour and brightness", async () => {
    expect(colourName(208, 32, 32)).toBe('red');
    expect(colourName(128, 192, 255)).toBe('blue');
    expect(colourName(16, 96, 16)).toBe('green');
    expect(colourName(224, 224, 32)).toBe('yellow');
    expect(colourName(16, 16, 16)).toBe('black');
    expect(colourName(250, 250, 250)).toBe('white');
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#e0e020' } })
      .png()
      .toBuffer();
    expect(await describeImage(png)).toBe('A frame filled mostly with yellow, bright.');
    await expect(describeImage(Buffer.from('not an image'))).rejects.toThrow(/cannot identify image/);
  });

  it('LLaVA tokens and a BLIP caption read as one sentence; each model gets its own fields', () => {
    const sentence = 'A frame filled mostly with red, bright.';
    expect(descriptionOf(captionOutput(sentence, 'tokens'))).toBe(sentence);
    expect(descriptionOf(captionOutput(sentence, 'text'))).toBe(sentence);
    expect(() => descriptionOf([])).toThrow(/no description/);
    expect(visionInput('salesforce/blip:abc', 'u')).toEqual({ image: 'u', task: 'image_captioning' });
    expect(visionInput('yorickvp/llava-13b:abc', 'u')).toMatchObject({ image: 'u', prompt: expect.any(String) });
  });
});
