/**
 * Taking a picture in for an image tool: from a multipart upload, a data URL, or a URL fetched
 * through the one SSRF-safe fetcher. Whatever the source, the bytes decide: they must be PNG, JPEG,
 * WebP or GIF by their first bytes and decode whole; then the picture is EXIF-rotated, compressed
 * (≤ 2048 px, JPEG q85, PNG where alpha or a mask needs it) and stored under uploads/<id>/, the only
 * place a tool's input may come from. A mask is stored as PNG at the picture's size.
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { SafeFetchError, type SafeFetcher, sniff } from '../net/safeFetch.js';
import { prepareImageForUpload } from '../media/imageForUpload.js';
import { decodeDataUrl } from '../util/dataUrl.js';
import type { Storage } from '../storage/index.js';
import { ApiError } from './errors.js';

export type PictureSource =
  { kind: 'upload'; bytes: Buffer; name: string } | { kind: 'dataUrl'; value: string } | { kind: 'url'; value: string };

export interface TakenPicture {
  ref: string;
  width: number;
  height: number;
  /** For the Web UI: the file's name or the URL's host, never the bytes. */
  source: string;
}

const IMAGE_FORMATS = new Set(['png', 'jpeg', 'webp', 'gif']);

export function imageIntake({ storage, fetcher }: { storage: Storage; fetcher: SafeFetcher }) {
  async function bytesOf(field: string, source: PictureSource): Promise<{ bytes: Buffer; label: string }> {
    if (source.kind === 'upload') return { bytes: source.bytes, label: source.name.slice(0, 100) || 'upload' };
    if (source.kind === 'dataUrl') {
      const data = decodeDataUrl(source.value);
      if (!data || data.bytes.length === 0)
        throw new ApiError(400, 'invalid_image', `${field}: the data URL is not valid base64 data.`);
      return { bytes: data.bytes, label: 'data URL' };
    }
    try {
      const fetched = await fetcher.fetch(source.value, { accept: ['image'] });
      return { bytes: fetched.body, label: new URL(fetched.finalUrl).host };
    } catch (err) {
      if (err instanceof SafeFetchError) {
        const status = err.code === 'UrlRefused' ? 400 : 422;
        throw new ApiError(
          status,
          err.code === 'UrlRefused' ? 'url_refused' : 'url_unusable',
          `${field}: ${err.message}`,
        );
      }
      throw err;
    }
  }

  /** Checks, normalises and stores one picture; `as` decides its name and format. */
  async function take(
    field: string,
    source: PictureSource,
    as: { name: 'image' | 'mask'; keepAlpha: boolean; size?: { width: number; height: number } },
    dir: string,
  ): Promise<TakenPicture> {
    const { bytes, label } = await bytesOf(field, source);
    let format: string;
    try {
      format = sniff(bytes.subarray(0, 512), ['image']).format;
    } catch {
      format = 'unknown';
    }
    if (!IMAGE_FORMATS.has(format)) {
      throw new ApiError(
        400,
        'invalid_image',
        `${field}: the bytes are not a PNG, JPEG, WebP or GIF picture (whatever its name or type says).`,
      );
    }
    let prepared;
    try {
      prepared =
        as.name === 'mask'
          ? await maskPng(bytes, as.size!)
          : await prepareImageForUpload(bytes, { keepAlpha: as.keepAlpha });
    } catch {
      throw new ApiError(400, 'invalid_image', `${field}: the picture does not decode (truncated or damaged).`);
    }
    const ext = prepared.contentType === 'image/png' ? 'png' : 'jpg';
    const ref = `${dir}/${as.name}.${ext}`;
    await storage.write(ref, prepared.bytes);
    return { ref, width: prepared.width, height: prepared.height, source: label };
  }

  /** The picture and (for inpaint) its mask, stored side by side under a new uploads/<id>/. */
  async function takeIn(
    picture: { field: string; source: PictureSource; keepAlpha: boolean } | undefined,
    mask?: { field: string; source: PictureSource },
  ) {
    const dir = `uploads/${randomUUID().replace(/-/g, '')}`;
    const image = picture
      ? await take(picture.field, picture.source, { name: 'image', keepAlpha: picture.keepAlpha }, dir)
      : undefined;
    const masked =
      mask && image
        ? await take(mask.field, mask.source, { name: 'mask', keepAlpha: true, size: image }, dir)
        : undefined;
    return { image, mask: masked };
  }

  return { takeIn };
}

/** A mask as PNG, grey, exactly the picture's size (white is painted over, black kept). */
async function maskPng(bytes: Buffer, size: { width: number; height: number }) {
  const { data, info } = await sharp(bytes, { failOn: 'error' })
    .rotate()
    .resize(size.width, size.height, { fit: 'fill' })
    .flatten({ background: '#000000' })
    .greyscale()
    .png()
    .toBuffer({ resolveWithObject: true });
  return { bytes: data, contentType: 'image/png' as const, width: info.width, height: info.height };
}
