import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import type { createApp } from '../../src/api/app.js';

type App = ReturnType<typeof createApp>;

export interface ErrorJson {
  error: {
    code: string;
    message: string;
    fields?: { path: string; message: string }[];
    progress?: { stage: string; percent: number };
  };
}

/** POSTs JSON (or a raw string) and remembers the ids of runs it started, for cleanup. */
export async function postJson(
  app: App,
  route: string,
  body: unknown,
  headers: Record<string, string>,
  started: Set<string>,
): Promise<Response> {
  const res = await app.request(route, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (res.status === 202) started.add(((await res.clone().json()) as { id: string }).id);
  return res;
}

/** Every error has the same shape, and nothing more than code, message and documented extras. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorJson> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as ErrorJson;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code, message: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(/\bat .+:\d+:\d+|node_modules|stack/);
  return body;
}

/** Runs a test left behind (slow or deliberately unworked) are terminated, so the server stays quiet. */
export async function terminateAll(client: Client, ids: Iterable<string>): Promise<void> {
  for (const id of ids)
    await client.workflow
      .getHandle(id)
      .terminate('api test cleanup')
      .catch(() => undefined);
}
