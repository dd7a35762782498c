import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, decodePngSize, encodePng, PNG_SIGNATURE, type PngFilter } from '../src/media/png.js';
import { detectTheme, renderPlaceholderArt, renderPlaceholderPixels } from '../src/media/art/index.js';

function meanChannels(rgb: Uint8Array): { r: number; g: number; b: number; luma: number } {
  let r = 0;
  let g = 0;
  let b = 0;
  for (let i = 0; i < rgb.length; i += 3) {
    r += rgb[i]!;
    g += rgb[i + 1]!;
    b += rgb[i + 2]!;
  }
  const n = rgb.length / 3;
  r /= n;
  g /= n;
  b /= n;
  return { r, g, b, luma: 0.2126 * r + 0.7152 * g + 0.0722 * b };
}

/** Fraction of bytes that differ between two equally sized buffers. */
function diffFraction(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 8) d++;
  return d / a.length;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelflow-art-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function ffprobe(file: string): { width: number; height: number; codec_name: string } {
  const res = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=width,height,codec_name', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  expect(res.status, res.stderr).toBe(0);
  const json = JSON.parse(res.stdout) as { streams: Array<{ width: number; height: number; codec_name: string }> };
  expect(json.streams).toHaveLength(1);
  return json.streams[0]!;
}

/** Decode a PNG file to packed RGB with ffmpeg. */
function ffmpegDecodeRgb(file: string): Buffer {
  const res = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(res.status, res.stderr?.toString()).toBe(0);
  return res.stdout;
}

describe('png encoder', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
  });

  it('writes signature, IHDR and IEND', () => {
    const rgb = new Uint8Array(5 * 3 * 3).fill(200);
    const png = encodePng(5, 3, rgb);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect(png[24]).toBe(8); // bit depth
    expect(png[25]).toBe(2); // truecolour
    expect(decodePngSize(png)).toEqual({ width: 5, height: 3 });
    // Last chunk: zero-length IEND with its fixed CRC.
    expect(png.subarray(png.length - 12).toString('hex')).toBe('0000000049454e44ae426082');
  });

  it('rejects bad input', () => {
    expect(() => encodePng(0, 1, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodePng(2, 2, new Uint8Array(11))).toThrow(RangeError);
    expect(() => decodePngSize(Buffer.from('not a png at all, definitely not'))).toThrow();
  });

  it('round-trips exactly through ffmpeg with every filter mode', async () => {
    // Odd width + noisy content exercises the filters' byte wrap-around.
    const w = 37;
    const h = 23;
    const rgb = new Uint8Array(w * h * 3);
    let s = 12345;
    for (let i = 0; i < rgb.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      rgb[i] = i % 7 === 0 ? s >>> 24 : (i * 13 + ((i / (w * 3)) | 0) * 29) & 0xff;
    }
    for (const filter of ['none', 'sub', 'up', 'adaptive'] as PngFilter[]) {
      const file = join(dir, `rt-${filter}.png`);
      await writeFile(file, encodePng(w, h, rgb, { filter }));
      expect(ffprobe(file)).toMatchObject({ width: w, height: h, codec_name: 'png' });
      expect(ffmpegDecodeRgb(file).equals(Buffer.from(rgb))).toBe(true);
    }
  });
});

describe('renderPlaceholderArt', () => {
  const fox = 'storybook illustration: a fox runs to the river at sunset';

  it('produces a valid 1080x1920 PNG', async () => {
    const png = renderPlaceholderArt({ prompt: fox, width: 1080, height: 1920 });
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(decodePngSize(png)).toEqual({ width: 1080, height: 1920 });
    const file = join(dir, 'fox.png');
    await writeFile(file, png);
    expect(ffprobe(file)).toEqual({ codec_name: 'png', width: 1080, height: 1920 });
  });

  it('decodes (via ffmpeg) to exactly the rendered pixels', async () => {
    const opts = { prompt: 'a lighthouse by the ocean at night', width: 216, height: 384 };
    const px = renderPlaceholderPixels(opts);
    const file = join(dir, 'lighthouse.png');
    await writeFile(file, renderPlaceholderArt(opts));
    expect(ffmpegDecodeRgb(file).equals(Buffer.from(px.rgb))).toBe(true);
  });

  it('is deterministic: same prompt + size ⇒ identical bytes', () => {
    const a = renderPlaceholderArt({ prompt: fox, width: 270, height: 480 });
    const b = renderPlaceholderArt({ prompt: fox, width: 270, height: 480 });
    expect(a.equals(b)).toBe(true);
  });

  it('different prompts (and seeds) ⇒ visibly different images', () => {
    const size = { width: 180, height: 320 };
    const a = renderPlaceholderPixels({ prompt: 'a robot reading a book', ...size });
    const b = renderPlaceholderPixels({ prompt: 'a cat and a dog are friends', ...size });
    const c = renderPlaceholderPixels({ prompt: 'a robot reading a book', seed: 7, ...size });
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(false);
    expect(diffFraction(a.rgb, b.rgb)).toBeGreaterThan(0.2);
    expect(diffFraction(a.rgb, c.rgb)).toBeGreaterThan(0.05);
  });

  it('has the requested dimensions for non-portrait sizes too', () => {
    for (const [width, height] of [
      [1920, 1080],
      [64, 64],
      [1, 1],
    ] as const) {
      const png = renderPlaceholderArt({ prompt: 'anything', width, height });
      expect(decodePngSize(png)).toEqual({ width, height });
    }
    expect(() => renderPlaceholderArt({ prompt: 'x', width: 0, height: 10 })).toThrow(RangeError);
  });

  it('is a real picture, not a flat fill', () => {
    const { rgb } = renderPlaceholderPixels({ prompt: fox, width: 108, height: 192 });
    const colours = new Set<number>();
    for (let i = 0; i < rgb.length; i += 3) colours.add((rgb[i]! << 16) | (rgb[i + 1]! << 8) | rgb[i + 2]!);
    expect(colours.size).toBeGreaterThan(200);
  });
});

describe('keyword palettes', () => {
  const size = { width: 135, height: 240 };
  const mean = (prompt: string) => meanChannels(renderPlaceholderPixels({ prompt, ...size }).rgb);

  it('night is darker than snow', () => {
    const night = mean('a quiet night in the village');
    const snow = mean('snowy winter mountains');
    expect(night.luma).toBeLessThan(60);
    expect(snow.luma).toBeGreaterThan(150);
    expect(night.luma).toBeLessThan(snow.luma);
  });

  it('sea is blue, desert is warm, forest is green, sunset is red-orange', () => {
    const sea = mean('a lighthouse by the ocean');
    expect(sea.b).toBeGreaterThan(sea.r);
    const desert = mean('camel caravan in the desert');
    expect(desert.r).toBeGreaterThan(desert.b + 20);
    const forest = mean('a deep forest with a small house');
    expect(forest.g).toBeGreaterThan(forest.r);
    const sunset = mean('a campfire at sunset');
    expect(sunset.r).toBeGreaterThan(sunset.g);
    expect(sunset.r).toBeGreaterThan(sunset.b);
  });

  it('detects themes in English, Russian, Chinese and Korean', () => {
    const cases: Array<[string, string, boolean]> = [
      ['A fox runs to the river at sunset', 'sunset', true],
      ['Ночь над рекой', 'night', true],
      ['Лиса бежит по лесу', 'forest', false],
      ['Зимний снег на крышах', 'snow', false],
      ['Караван идёт через пустыню', 'desert', false],
      ['Огонь костра на закате', 'sunset', false],
      ['Волны на море', 'sea', true],
      ['夜晚的星空', 'night', false],
      ['森林里的小狐狸', 'forest', false],
      ['日落时的大海', 'sunset', true],
      ['冬天下雪了', 'snow', false],
      ['沙漠里的骆驼', 'desert', false],
      ['밤하늘의 별', 'night', false],
      ['숲 속의 여우', 'forest', false],
      ['바다 위의 노을', 'sunset', true],
      ['겨울에 눈이 내린다', 'snow', false],
      ['사막의 낙타', 'desert', false],
      ['강아지가 공원에서 논다', 'default', false], // "puppy" must not read as 강 "river"
      ['A robot reading a book', 'default', false],
    ];
    for (const [prompt, theme, water] of cases) {
      expect(detectTheme(prompt), prompt).toEqual({ theme, water });
    }
  });

  it('renders Russian/Chinese/Korean prompts with their keyword palettes', () => {
    const ruNight = renderPlaceholderPixels({ prompt: 'Ночь над рекой', ...size });
    const zhSnow = renderPlaceholderPixels({ prompt: '冬天下雪了', ...size });
    const koNight = renderPlaceholderPixels({ prompt: '밤하늘의 별', ...size });
    const koSnow = renderPlaceholderPixels({ prompt: '겨울에 눈이 내린다', ...size });
    expect(ruNight.theme).toBe('night');
    expect(ruNight.water).toBe(true);
    expect(meanChannels(ruNight.rgb).luma).toBeLessThan(meanChannels(zhSnow.rgb).luma);
    expect(meanChannels(koNight.rgb).luma).toBeLessThan(meanChannels(koSnow.rgb).luma);
    for (const p of [ruNight, zhSnow, koNight, koSnow]) expect(p.rgb.length).toBe(size.width * size.height * 3);
  });
});
