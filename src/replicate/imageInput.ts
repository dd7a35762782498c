import { DATA_URL_MAX_BYTES, dataUrlOf, prepareImageForUpload } from '../media/imageForUpload.js';
import type { KeyClient } from './client.js';
import { failureFromClientError } from './errors.js';

/**
 * An image as a model input: EXIF-rotated and compressed (≤ 2048 px, JPEG q85, or PNG where its
 * alpha must survive), then a data URL when that is at most 256 KB, else a files-API upload owned
 * by `own`'s account (a prediction can only read its own account's files).
 */
export async function imageInputUrl(
  own: KeyClient,
  original: Buffer,
  options: { keepAlpha?: boolean; purpose: string },
): Promise<{ url: string; width: number; height: number }> {
  const prepared = await prepareImageForUpload(original, { keepAlpha: options.keepAlpha });
  const size = { width: prepared.width, height: prepared.height };
  if (prepared.bytes.length <= DATA_URL_MAX_BYTES) return { url: dataUrlOf(prepared), ...size };
  try {
    const file = await own.client.files.create(new Blob([prepared.bytes], { type: prepared.contentType }), {
      purpose: options.purpose,
    });
    return { url: file.urls.get, ...size };
  } catch (err) {
    throw failureFromClientError(err, own.key, `uploading the ${options.purpose}`);
  }
}
