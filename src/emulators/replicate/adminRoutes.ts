/**
 * The Replicate emulator's own admin routes under /__emulator/ (stats, faults, reset): not part of
 * Replicate's API, for tests and operators driving the emulator from outside the process.
 */
import { parseFaultPatch, type FaultConfig } from './faults.js';
import { HttpError, readJson, sendJson } from './http.js';
import { notFound, type Route } from './routeContext.js';

export const handleAdmin: Route = async (ctx, req, res, path, url) => {
  const { accounting, faults } = ctx;
  const method = req.method ?? 'GET';
  if (path === '/__emulator/stats' && method === 'GET') return sendJson(res, 200, accounting.snapshot());
  if (path === '/__emulator/faults' && method === 'GET') return sendJson(res, 200, faults.current);
  if (path === '/__emulator/faults' && method === 'POST') {
    let patch: Partial<FaultConfig>;
    try {
      patch = parseFaultPatch(await readJson(req));
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(422, 'Invalid faults', (e as Error).message);
    }
    return sendJson(res, 200, faults.set(patch, url.searchParams.get('mode') === 'replace' ? 'replace' : 'merge'));
  }
  if (path === '/__emulator/reset' && method === 'POST') {
    ctx.reset();
    return sendJson(res, 200, { ok: true });
  }
  throw notFound();
};
