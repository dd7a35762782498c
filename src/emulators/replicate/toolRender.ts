/**
 * What the emulated image tools make, for real and checkably (with sharp): an upscale really has
 * `scale` times the pixels, a background removal is a PNG whose background is transparent, a
 * colorized picture has colour where the grey one had none, an inpainting changes the masked area
 * and nothing else. Not what the models would draw, but what a test can measure.
 */
import sharp, { type Sharp } from 'sharp';
import type { ToolProfile } from './models.js';
import { colourFor } from './png.js';

export async function renderTool(
  profile: ToolProfile,
  input: Record<string, unknown>,
  image: Buffer,
  mask: Buffer | undefined,
): Promise<Buffer> {
  const source = sharp(image, { failOn: 'error' });
  const { width = 1, height = 1 } = await source.metadata();
  switch (profile.op) {
    case 'upscale':
    case 'restore-face': {
      const raw = profile.scaleField ? input[profile.scaleField] : undefined;
      const scale = typeof raw === 'number' && raw > 0 ? raw : (profile.defaultScale ?? 2);
      const resized = source.resize(Math.round(width * scale), Math.round(height * scale), { kernel: 'lanczos3' });
      return (profile.op === 'restore-face' ? resized.sharpen() : resized).png().toBuffer();
    }
    case 'remove-background':
      return cutOut(source);
    case 'colorize':
      // Tint keeps each pixel's luminance and gives it chroma: colour from grey.
      return source.tint({ r: 214, g: 160, b: 96 }).png().toBuffer();
    case 'inpaint': {
      if (!mask) throw new Error('ValueError: mask is required');
      const { data } = await source.removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const m = await sharp(mask).resize(width, height, { fit: 'fill' }).greyscale().raw().toBuffer();
      const fill = colourFor(typeof input.prompt === 'string' ? input.prompt : 'inpaint');
      for (let i = 0; i < width * height; i++) {
        if (m[i]! > 127) data.set(fill, i * 3);
      }
      return sharp(data, { raw: { width, height, channels: 3 } })
        .png()
        .toBuffer();
    }
  }
}

/** Pixels near the corners' colour become transparent; the rest stays opaque. */
async function cutOut(source: Sharp): Promise<Buffer> {
  const { data, info } = await source.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const at = (x: number, y: number) => (y * width + x) * 4;
  const corners = [at(0, 0), at(width - 1, 0), at(0, height - 1), at(width - 1, height - 1)];
  const bg = [0, 1, 2].map((c) => corners.reduce((sum, i) => sum + data[i + c]!, 0) / corners.length);
  for (let i = 0; i < width * height; i++) {
    const p = i * 4;
    const distance = Math.hypot(data[p]! - bg[0]!, data[p + 1]! - bg[1]!, data[p + 2]! - bg[2]!);
    data[p + 3] = distance > 48 ? 255 : 0;
  }
  return sharp(data, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}
