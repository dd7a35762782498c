import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts an emulator's HTTP server on `host:port` (0: a free port) and says where it answers. The
 * shared start-up of every emulator, so each one's server.ts is only its routes.
 */
export async function listenOn(server: Server, host: string, port: number): Promise<{ port: number; origin: string }> {
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  // A wildcard listen is reached on loopback; an IPv6 literal needs brackets in a URL.
  const hostForUrl =
    host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { port: bound, origin: `http://${hostForUrl}:${bound}` };
}
