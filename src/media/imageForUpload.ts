import sharp from 'sharp';

/**
 * An image made ready to send to a model: EXIF-rotated, at most 2048 px on its long side, JPEG at
 * quality 85 (PNG when it has transparency a mask or a cut-out needs). Models resize to their own
 * input size anyway; sending less keeps uploads small and data URLs possible.
 */
export const MAX_SIDE = 2048;
export const JPEG_QUALITY = 85;
/** Replicate takes inputs up to ~256 KB as data URLs; larger ones go through its files API. */
export const DATA_URL_MAX_BYTES = 256 * 1024;

export interface PreparedImage {
  bytes: Buffer;
  contentType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
}

export async function prepareImageForUpload(
  input: Buffer,
  options: { keepAlpha?: boolean } = {},
): Promise<PreparedImage> {
  const image = sharp(input, { failOn: 'error' }).rotate();
  const meta = await image.metadata();
  const resized = image.resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true });
  const keepPng = options.keepAlpha === true && meta.hasAlpha === true;
  const { data, info } = await (
    keepPng ? resized.png() : resized.flatten({ background: '#ffffff' }).jpeg({ quality: JPEG_QUALITY })
  ).toBuffer({ resolveWithObject: true });
  return { bytes: data, contentType: keepPng ? 'image/png' : 'image/jpeg', width: info.width, height: info.height };
}

export function dataUrlOf(image: PreparedImage): string {
  return `data:${image.contentType};base64,${image.bytes.toString('base64')}`;
}
