/**
 * Small node:http helpers: JSON / problem+json responses, body parsing, auth header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Replicate-style problem JSON: {title, detail, status}. */
export function sendProblem(res: ServerResponse, err: HttpError): void {
  const text = JSON.stringify({ title: err.title, detail: err.detail, status: err.status, ...err.extra });
  res.writeHead(err.status, {
    'Content-Type': 'application/problem+json',
    'Content-Length': Buffer.byteLength(text),
    ...err.headers,
  });
  res.end(text);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Payload Too Large', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'Bad Request', 'Request body is not valid JSON');
  }
}

/** Token from `Authorization: Bearer <t>` or `Authorization: Token <t>`. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** A file's bytes (just the headers for HEAD), never cached by the receiver. */
export function sendBytes(req: IncomingMessage, res: ServerResponse, bytes: Buffer, contentType: string): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': bytes.length, 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}
