/**
 * File inputs (a start image, a first frame): what a model can read, as Replicate's models can.
 * A value is a data: URL, or an http(s) URL this emulator serves itself: an uploaded file
 * (`{basePath}/files/{id}`, what `files.create` returns in `urls.get`) or another prediction's
 * output (`/files/{prediction}/{name}`), so an image model's output can feed a video model.
 * Any other URL would need the network; the prediction fails the way a failed download does.
 */

import { decodeDataUrl } from '../../util/dataUrl.js';

export { decodeDataUrl };

export interface InputFile {
  field: string;
  /** The file's bytes; an output is made (or read from the cache) when first asked for. */
  load: () => Promise<Buffer>;
}

export interface InputSources {
  basePath: string;
  /** Whether `url` points at this emulator (its port, a loopback or its own host). */
  isOwn(url: URL): boolean;
  /** An upload's bytes when it exists, has not expired and belongs to `token`. */
  upload(id: string, token: string): Buffer | undefined;
  /** A succeeded prediction's output file, or undefined when there is none (or it expired). */
  output(predictionId: string, name: string): (() => Promise<Buffer>) | undefined;
}

export type InputResolution = { ok: true; file: InputFile } | { ok: false; error: string };

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where the file input `field` = `value` of a prediction made with `token` comes from. */
export function resolveInputFile(field: string, value: unknown, token: string, sources: InputSources): InputResolution {
  const fail = (why: string): InputResolution => ({ ok: false, error: `Could not load ${field}: ${why}` });
  if (typeof value !== 'string' || value === '') return fail('expected a URL or a data: URL');
  if (value.startsWith('data:')) {
    const data = decodeDataUrl(value);
    if (!data || data.bytes.length === 0) return fail('the data: URL is not valid base64 data');
    return { ok: true, file: { field, load: () => Promise.resolve(data.bytes) } };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`"${value.slice(0, 120)}" is not a URL`);
  }
  if (!/^https?:$/.test(url.protocol)) return fail(`unsupported URL scheme "${url.protocol}"`);
  if (!sources.isOwn(url)) {
    return fail(`failed to download ${url.href.slice(0, 200)} (the emulator only reads data: URLs and its own files)`);
  }
  const upload = new RegExp(`^${escapeRe(sources.basePath)}/files/([^/]+)(?:/download)?$`).exec(url.pathname);
  if (upload) {
    const bytes = sources.upload(decodeURIComponent(upload[1]!), token);
    if (!bytes) return fail(`file ${upload[1]} was not found (deleted, expired, or another account's)`);
    return { ok: true, file: { field, load: () => Promise.resolve(bytes) } };
  }
  const output = /^\/files\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (output) {
    const load = sources.output(output[1]!, output[2]!);
    if (!load) return fail(`${url.pathname} was not found (or has expired)`);
    return { ok: true, file: { field, load } };
  }
  return fail(`${url.pathname} is not a file URL`);
}
