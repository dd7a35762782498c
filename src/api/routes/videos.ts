/**
 * POST /v1/videos: a long video by `{"url"}` (checked now against the SSRF rules, fetched by the
 * worker through the same safe fetcher), as a multipart upload (`file`, checked by its first
 * bytes, stored under uploads/<id>/ before anything starts), or `{"from": "<video run id>"}`: the
 * file an earlier video of the caller's already has in storage. The run itself, its status and its
 * transcript files are the video kind's generic routes (runs/kinds/video.ts).
 */
import { randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import type { Config } from '../../config/index.js';
import { SafeFetchError, createSafeFetcher, sniff } from '../../net/safeFetch.js';
import { isIdOfKind } from '../../runs/ids.js';
import type { RunService } from '../../runs/service.js';
import { sourceOfVideo } from '../../runs/videoSource.js';
import { videoKind } from '../../runs/kinds/video.js';
import type { Storage } from '../../storage/index.js';
import { runsOf, userTokenOf } from '../auth.js';
import { ApiError } from '../errors.js';
import { idempotencyKeyOf, invalidRequest, limitBody, readJson } from '../jsonBody.js';
import { linksOf } from '../runRoutes.js';

/** Uploads bigger than this must come by URL (the body is held in memory while it is checked). */
export const VIDEO_UPLOAD_MAX_BYTES = 512 * 1024 * 1024;

export function videoRoutes({
  runs,
  config,
  storage,
  taskQueue,
}: {
  runs: RunService;
  config: Config;
  storage: Storage;
  taskQueue?: string;
}) {
  const routes = new Hono();
  const fetcher = createSafeFetcher(config.providers.fetch);

  routes.post('/', limitBody(VIDEO_UPLOAD_MAX_BYTES), async function startVideo(c) {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    let body: Record<string, unknown>;
    if (type === 'multipart/form-data') {
      const form = await c.req.parseBody();
      const file = form.file;
      if (!(file instanceof File)) {
        throw new ApiError(400, 'invalid_request', 'Send the video as a multipart file field named "file".');
      }
      const { file: _file, ...fields } = form;
      body = { ...numbersIn(fields), ref: await storeUpload(file) };
    } else if (type === 'application/json' || type.endsWith('+json')) {
      body = (await readJson(c.req.raw)) as Record<string, unknown>;
    } else {
      throw new ApiError(
        415,
        'unsupported_media_type',
        'Send JSON ({"url": "https://…"}) or a multipart/form-data upload with the video in "file".',
      );
    }
    if (body && typeof body === 'object' && 'ref' in body && type !== 'multipart/form-data') {
      throw new ApiError(
        400,
        'invalid_request',
        'Give the video as "url", as "from" (an earlier video\'s run id), or upload it as multipart "file".',
      );
    }
    if (body && typeof body === 'object' && 'from' in body) body = await fromEarlierVideo(c, body);
    const parsed = videoKind.requestSchema.safeParse(body);
    if (!parsed.success) throw invalidRequest(parsed.error);
    if (parsed.data.url !== undefined) await checkUrl(parsed.data.url);
    const started = await runsOf(c, runs).start(videoKind, parsed.data, {
      idempotencyKey: idempotencyKeyOf(c.req.header('idempotency-key')),
      taskQueue,
      ...userTokenOf(c),
    });
    const links = linksOf(videoKind, started.id, started.webUiUrl);
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, links }, 202);
  });

  /** `"from": "<video run id>"`: that video's own file, already in storage (nothing is sent again). */
  async function fromEarlierVideo(c: Context, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { from, ...rest } = body;
    if ('ref' in rest)
      throw new ApiError(400, 'invalid_request', 'Give the video once: upload a "file" or name it "from".');
    if (typeof from !== 'string' || !isIdOfKind(videoKind.name, from)) {
      throw new ApiError(400, 'invalid_request', 'from: name an earlier video by its run id ("video-…").');
    }
    const ref = await sourceOfVideo(runsOf(c, runs), from);
    if (!(await storage.exists(ref))) {
      throw new ApiError(
        409,
        'source_not_ready',
        `Video "${from}" has not fetched its file yet (or it is gone); try again once it is past preparing.`,
      );
    }
    return { ...rest, ref };
  }

  async function checkUrl(url: string): Promise<void> {
    try {
      await fetcher.check(url);
    } catch (err) {
      if (err instanceof SafeFetchError) throw new ApiError(400, 'url_refused', `url: ${err.message}`);
      throw err;
    }
  }

  async function storeUpload(file: File): Promise<string> {
    const bytes = Buffer.from(await file.arrayBuffer());
    if (bytes.length === 0) throw new ApiError(400, 'invalid_video', 'file: the upload is empty (0 bytes).');
    let format: string;
    try {
      format = sniff(bytes.subarray(0, 512), ['video', 'audio']).format;
    } catch {
      throw new ApiError(400, 'invalid_video', 'file: this is not a video or audio file (judged by its first bytes).');
    }
    const ref = `uploads/${randomUUID().replace(/-/g, '')}/source.${format.replace(/[^a-z0-9]/g, '') || 'bin'}`;
    await storage.write(ref, bytes);
    return ref;
  }

  return routes;
}

/** Form fields arrive as text: numbers, booleans and the custom task's object as the schema wants them. */
function numbersIn(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => {
      if (typeof v !== 'string') return [k, v];
      if (v === 'true' || v === 'false') return [k, v === 'true'];
      if (k === 'custom') return [k, jsonOrText(v)];
      return [k, k === 'chunkMinutes' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v];
    }),
  );
}

/** A JSON form field, or the text itself when it is not JSON (the schema then says what is wrong). */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
