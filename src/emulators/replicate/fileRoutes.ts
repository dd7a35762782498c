/**
 * The Replicate emulator's file routes: the files API under the API base path (uploads, their
 * signed download links) and the prediction outputs at /files/{id}/{name}.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readUpload } from './files.js';
import { bearerToken, HttpError, sendBytes, sendJson } from './http.js';
import { isValidToken } from './options.js';
import {
  authenticate,
  type EmulatorContext,
  notFound,
  type Route,
  safeDecode,
  unauthenticated,
} from './routeContext.js';

/** The files API (`path` is below the base path); false when `path` is not one of its routes. */
export const handleFiles: Route<boolean> = async (ctx, req, res, path, url) => {
  const { opts, uploads, accounting, originOf } = ctx;
  const method = req.method ?? 'GET';
  let m: RegExpExecArray | null;
  if ((method === 'GET' || method === 'HEAD') && (m = /^\/files\/([^/]+)\/download$/.exec(path))) {
    // Signed links need no token (as on Replicate); the owner's own token also opens the file.
    const rec = uploads.get(safeDecode(m[1]!));
    const token = bearerToken(req);
    const allowed =
      rec !== undefined &&
      (uploads.verify(rec, url.searchParams) || (isValidToken(opts, token) && token === rec.token));
    if (!rec) throw notFound();
    if (!allowed) {
      if (url.searchParams.has('signature'))
        throw new HttpError(403, 'Forbidden', 'The signature is invalid or has expired');
      accounting.recordUnauthorized();
      throw unauthenticated();
    }
    if (token && isValidToken(opts, token)) accounting.recordGet(token);
    sendBytes(req, res, rec.bytes, rec.contentType);
    return true;
  }
  if (path !== '/files' && !path.startsWith('/files/')) return false;
  const token = authenticate(ctx, req);
  if (method === 'POST' && path === '/files') {
    const upload = await readUpload(req, opts.maxUploadBytes);
    const rec = uploads.create(token, upload);
    accounting.recordUpload(token, rec.bytes.length);
    sendJson(res, 201, uploads.toJson(rec, `${originOf(req)}${opts.basePath}`));
    return true;
  }
  if (method === 'GET') accounting.recordGet(token);
  if (method === 'GET' && path === '/files') {
    const results = uploads.list(token).map((r) => uploads.toJson(r, `${originOf(req)}${opts.basePath}`));
    sendJson(res, 200, { previous: null, next: null, results });
    return true;
  }
  m = /^\/files\/([^/]+)$/.exec(path);
  if (m && method === 'GET') {
    const rec = uploads.get(safeDecode(m[1]!), token);
    if (!rec) throw notFound();
    sendJson(res, 200, uploads.toJson(rec, `${originOf(req)}${opts.basePath}`));
    return true;
  }
  if (m && method === 'DELETE') {
    if (!uploads.delete(safeDecode(m[1]!), token)) throw notFound();
    res.writeHead(204).end();
    return true;
  }
  throw notFound();
};

/** `GET /files/{id}/{name}`: one output of a prediction, while it has not expired. */
export async function handleOutputFile(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  name: string,
): Promise<void> {
  const file = ctx.store.file(id, name);
  if (file === undefined || file === 'expired') {
    throw notFound(file === 'expired' ? 'This file has expired and was deleted.' : undefined);
  }
  const { bytes, contentType } = await file;
  sendBytes(req, res, bytes, contentType);
}
