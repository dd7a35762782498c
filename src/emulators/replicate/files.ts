/**
 * Replicate's files API: `POST /v1/files` (multipart, the file in the `content` part, optional JSON
 * `metadata` part), `GET /v1/files[/{id}]`, `DELETE /v1/files/{id}`, and the content at
 * `GET /v1/files/{id}/download`, which Replicate serves against a signed URL
 * (`?expiry=&owner=&signature=`); the emulator also lets the owner's own token in there.
 * Files belong to the token that uploaded them and expire after a day, as on Replicate.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';

export interface UploadRecord {
  id: string;
  token: string;
  name: string;
  contentType: string;
  bytes: Buffer;
  metadata: unknown;
  createdAt: number;
  expiresAt: number;
}

export interface NewUpload {
  name: string;
  contentType: string;
  bytes: Buffer;
  metadata: unknown;
}

const MAX_NAME_BYTES = 255;

/** Reads a multipart/form-data body the way Replicate reads `files.create`. */
export async function readUpload(req: IncomingMessage, maxBytes: number): Promise<NewUpload> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    req.resume();
    throw new HttpError(415, 'Unsupported Media Type', 'The request body must be multipart/form-data');
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) throw new HttpError(413, 'Payload Too Large', `Files can be at most ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, 'Payload Too Large', `Files can be at most ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  let form: FormData;
  try {
    form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': type } }).formData();
  } catch {
    throw new HttpError(400, 'Bad Request', 'The multipart/form-data body could not be parsed');
  }
  const content = form.get('content');
  if (content === null || typeof content === 'string') {
    throw new HttpError(422, 'Invalid request', 'content: a file part named "content" is required');
  }
  const name = content.name;
  if (!name || Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new HttpError(422, 'Invalid request', `filename: required, at most ${MAX_NAME_BYTES} bytes`);
  }
  let metadata: unknown = {};
  const meta = form.get('metadata');
  if (meta !== null) {
    const text = typeof meta === 'string' ? meta : await meta.text();
    try {
      metadata = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
    } catch {
      throw new HttpError(422, 'Invalid request', 'metadata: must be valid JSON');
    }
  }
  return {
    name,
    contentType: content.type || 'application/octet-stream',
    bytes: Buffer.from(await content.arrayBuffer()),
    metadata,
  };
}

export class UploadStore {
  private readonly files = new Map<string, UploadRecord>();
  private readonly secret = randomBytes(32);

  constructor(private readonly ttlSeconds: number) {}

  create(token: string, upload: NewUpload, now = Date.now()): UploadRecord {
    const id = Buffer.from(randomUUID()).toString('base64url');
    const rec: UploadRecord = { id, token, ...upload, createdAt: now, expiresAt: now + this.ttlSeconds * 1000 };
    this.files.set(id, rec);
    return rec;
  }

  /** The live upload `id` (of `token`, when given); expired ones are dropped on the way. */
  get(id: string, token?: string, now = Date.now()): UploadRecord | undefined {
    const rec = this.files.get(id);
    if (!rec) return undefined;
    if (now >= rec.expiresAt) {
      this.files.delete(id);
      return undefined;
    }
    return token === undefined || rec.token === token ? rec : undefined;
  }

  delete(id: string, token: string): boolean {
    if (!this.get(id, token)) return false;
    return this.files.delete(id);
  }

  /** Newest first. */
  list(token: string): UploadRecord[] {
    return [...this.files.values()].filter((r) => this.get(r.id, token)).reverse();
  }

  /** The account name a download signature is bound to (the emulator has tokens, not accounts). */
  ownerOf(token: string): string {
    return createHash('sha256').update(`replicate-emulator owner\0${token}`).digest('hex').slice(0, 12);
  }

  private sign(id: string, owner: string, expiry: number): string {
    return createHmac('sha256', this.secret).update(`${id}\0${owner}\0${expiry}`).digest('base64');
  }

  /** `?expiry=&owner=&signature=` for a download link valid `seconds` from now. */
  signedQuery(rec: UploadRecord, seconds: number, now = Date.now()): string {
    const expiry = Math.floor(now / 1000 + seconds);
    const owner = this.ownerOf(rec.token);
    const q = new URLSearchParams({ expiry: String(expiry), owner, signature: this.sign(rec.id, owner, expiry) });
    return q.toString();
  }

  /** Whether the query signs a download of `rec` that has not expired. */
  verify(rec: UploadRecord, query: URLSearchParams, now = Date.now()): boolean {
    const expiry = Number(query.get('expiry'));
    const owner = query.get('owner') ?? '';
    const given = Buffer.from(query.get('signature') ?? '', 'base64');
    if (!Number.isFinite(expiry) || expiry * 1000 < now || owner !== this.ownerOf(rec.token)) return false;
    const want = Buffer.from(this.sign(rec.id, owner, expiry), 'base64');
    return given.length === want.length && timingSafeEqual(given, want);
  }

  toJson(rec: UploadRecord, apiBase: string): Record<string, unknown> {
    const md5 = createHash('md5').update(rec.bytes).digest('hex');
    return {
      id: rec.id,
      name: rec.name,
      content_type: rec.contentType,
      size: rec.bytes.length,
      etag: md5,
      checksums: { sha256: createHash('sha256').update(rec.bytes).digest('hex'), md5 },
      metadata: rec.metadata,
      created_at: new Date(rec.createdAt).toISOString(),
      expires_at: new Date(rec.expiresAt).toISOString(),
      urls: { get: `${apiBase}/files/${rec.id}` },
    };
  }

  clear(): void {
    this.files.clear();
  }
}
