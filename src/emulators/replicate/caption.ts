/**
 * The emulator's vision models: they really look. The picture is decoded with sharp, every pixel
 * is named by its hue (or as black, grey or white when it has little colour), and the caption says
 * which name covers most of the frame and how bright the frame is. Deterministic: the same picture,
 * the same words, so tests can check a description against the colour they filmed.
 */
import sharp from 'sharp';

/** Hue ranges (degrees, upper bound exclusive) and their names; red wraps around 0. */
const HUES: readonly [number, string][] = [
  [15, 'red'],
  [45, 'orange'],
  [70, 'yellow'],
  [165, 'green'],
  [195, 'cyan'],
  [255, 'blue'],
  [290, 'purple'],
  [345, 'pink'],
  [360, 'red'],
];

/** The colour name of one pixel (channels 0–255). */
export function colourName(r: number, g: number, b: number): string {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const value = max / 255;
  const saturation = max === 0 ? 0 : (max - min) / max;
  if (value < 0.2) return 'black';
  if (saturation < 0.2) return value > 0.85 ? 'white' : 'grey';
  const d = max - min;
  let hue = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  hue = (hue * 60 + 360) % 360;
  return HUES.find(([upTo]) => hue < upTo)![1];
}

/** "A frame filled mostly with red, bright." for the picture in `image` (any format sharp reads). */
export async function describeImage(image: Buffer): Promise<string> {
  let pixels: Buffer;
  try {
    pixels = await sharp(image).resize(32, 32, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  } catch {
    throw new Error('PIL.UnidentifiedImageError: cannot identify image file');
  }
  const counts = new Map<string, number>();
  let brightness = 0;
  for (let i = 0; i < pixels.length; i += 3) {
    const [r, g, b] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
    const name = colourName(r, g, b);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    brightness += Math.max(r, g, b) / 255;
  }
  brightness /= pixels.length / 3;
  const [dominant] = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
  const light = brightness < 0.25 ? 'dark' : brightness < 0.6 ? 'dim' : 'bright';
  return `A frame filled mostly with ${dominant}, ${light}.`;
}

/** The caption as the model returns it: LLaVA's list of streamed tokens, or BLIP's one string. */
export function captionOutput(caption: string, shape: 'tokens' | 'text'): unknown {
  if (shape === 'text') return `Caption: ${caption}`;
  return caption.split(/(?<= )/);
}
