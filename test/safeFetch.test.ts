import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Resolver, SafeFetchError, createSafeFetcher, sniff } from '../src/net/safeFetch.js';

const run = promisify(execFile);

/** A local server whose routes each test sets; it records every request it gets. */
let server: http.Server;
let port: number;
let routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>;
let requests: { path: string; host?: string }[];
let dir: string;
let wav: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-fetch-'));
  const file = path.join(dir, 'tone.wav');
  await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=330:d=1', '-ar', '48000', '-ac', '2', file]);
  wav = await readFile(file);
  server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', host: req.headers.host });
    const route = routes[req.url ?? ''];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  requests = [];
  routes = {
    '/tone.wav': (_req, res) => res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav),
  };
});

const limits = { maxBytes: 1024 * 1024, timeoutMs: 5_000 };
/** DNS as a table: names the system resolver could never answer. */
const fakeDns =
  (table: Record<string, string[]>): Resolver =>
  async (host) => {
    const answer = table[host];
    if (!answer) throw new Error(`ENOTFOUND ${host}`);
    return answer;
  };

async function refusal(promise: Promise<unknown>): Promise<SafeFetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SafeFetchError);
  return error as SafeFetchError;
}

const audio = { accept: ['audio'] as const };

describe('refused before any byte is sent', () => {
  const fetcher = createSafeFetcher(limits);

  it('loopback: 127.0.0.1, with the setting that would permit it named', async () => {
    const error = await refusal(fetcher.fetch(`http://127.0.0.1:${port}/tone.wav`, audio));
    expect(error.code).toBe('UrlRefused');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('refused: 127.0.0.1 is a loopback address; set FETCH_ALLOW to permit it');
    expect(requests).toEqual([]);
  });

  it('a refused download leaves no file behind, and check() refuses the same way without connecting', async () => {
    const file = path.join(dir, 'never.wav');
    const error = await refusal(fetcher.download(`http://127.0.0.1:${port}/tone.wav`, file, audio));
    expect(error.code).toBe('UrlRefused');
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fetcher.check(`http://127.0.0.1:${port}/tone.wav`)).rejects.toMatchObject({ code: 'UrlRefused' });
    expect(requests).toEqual([]);
  });

  it('10/8 (RFC 1918)', async () => {
    const error = await refusal(fetcher.fetch('http://10.1.2.3/track.mp3', audio));
    expect(error.message).toBe('refused: 10.1.2.3 is a private (RFC 1918) address; set FETCH_ALLOW to permit it');
  });

  it('169.254.169.254, the cloud metadata service', async () => {
    const error = await refusal(fetcher.fetch('http://169.254.169.254/latest/meta-data/iam/', audio));
    expect(error.message).toMatch(
      /^refused: 169\.254\.169\.254 is a link-local address \(the cloud metadata service\)/,
    );
  });

  it('[::1], IPv6 loopback', async () => {
    const error = await refusal(fetcher.fetch(`http://[::1]:${port}/tone.wav`, audio));
    expect(error.message).toBe('refused: ::1 is a loopback address; set FETCH_ALLOW to permit it');
  });

  it('::ffff:127.0.0.1, loopback in an IPv4-mapped IPv6 address', async () => {
    const error = await refusal(fetcher.fetch(`http://[::ffff:127.0.0.1]:${port}/tone.wav`, audio));
    expect(error.message).toBe(
      'refused: ::ffff:127.0.0.1 maps to 127.0.0.1, a loopback address; set FETCH_ALLOW to permit it',
    );
    expect(requests).toEqual([]);
  });

  it.each([
    ['http://2130706433/', '127.0.0.1 is a loopback address'],
    ['http://0x7f.1/', '127.0.0.1 is a loopback address'],
    ['http://0.0.0.0/', '0.0.0.0 is an unspecified address'],
    ['http://172.16.5.4/', 'a private (RFC 1918) address'],
    ['http://192.168.1.1/', 'a private (RFC 1918) address'],
    ['http://100.64.0.1/', 'a carrier-grade NAT (RFC 6598) address'],
    ['http://224.0.0.1/', 'a multicast address'],
    ['http://[fd00::1]/', 'an IPv6 unique-local address'],
    ['http://[fe80::1]/', 'an IPv6 link-local address'],
    ['http://[::]/', 'an unspecified address'],
    ['http://[::127.0.0.1]/', 'maps to 127.0.0.1, a loopback address'],
    ['http://[64:ff9b::a9fe:a9fe]/', 'maps to 169.254.169.254'],
    ['http://[2002:c0a8:101::1]/', 'maps to 192.168.1.1'],
  ])('every other spelling of an inside address: %s', async (url, reason) => {
    const error = await refusal(fetcher.fetch(url, audio));
    expect(error.code).toBe('UrlRefused');
    expect(error.message).toContain(reason);
  });

  it('a DNS name that resolves to loopback', async () => {
    const dns = createSafeFetcher({ ...limits, resolve: fakeDns({ 'music.example': ['127.0.0.1'] }) });
    const error = await refusal(dns.fetch(`http://music.example:${port}/tone.wav`, audio));
    expect(error.message).toBe(
      'refused: music.example resolves to 127.0.0.1, a loopback address; set FETCH_ALLOW to permit it',
    );
    expect(requests).toEqual([]);
  });

  it('a DNS name with one private address among public ones', async () => {
    const dns = createSafeFetcher({ ...limits, resolve: fakeDns({ 'cdn.example': ['93.184.216.34', '10.0.0.7'] }) });
    const error = await refusal(dns.fetch('https://cdn.example/track.mp3', audio));
    expect(error.message).toContain('cdn.example resolves to 10.0.0.7, a private (RFC 1918) address');
  });

  it.each([
    'file:///etc/passwd',
    'ftp://example.com/track.mp3',
    'gopher://example.com/',
    'data:audio/wav;base64,UklGRg==',
  ])('a non-http scheme: %s', async (url) => {
    const error = await refusal(fetcher.fetch(url, audio));
    expect(error.code).toBe('UrlRefused');
    expect(error.message).toMatch(/^refused: only http and https URLs can be fetched, not \w+$/);
  });
});

describe('allowed hosts', () => {
  const loopback = createSafeFetcher({ ...limits, allow: ['127.0.0.1'] });

  it('allowed loopback through the allow-list serves a real WAV, byte for byte', async () => {
    const fetched = await loopback.fetch(`http://127.0.0.1:${port}/tone.wav`, audio);
    expect(fetched).toMatchObject({ format: 'wav', kind: 'audio', bytes: wav.length, redirects: 0 });
    expect(fetched.body.equals(wav)).toBe(true);
    const file = path.join(dir, 'downloaded.wav');
    const downloaded = await loopback.download(`http://127.0.0.1:${port}/tone.wav`, file, audio);
    expect(downloaded.bytes).toBe(wav.length);
    expect((await readFile(file)).equals(wav)).toBe(true);
  });

  it('a CIDR entry permits its range, and an IPv4-mapped spelling of it', async () => {
    const range = createSafeFetcher({ ...limits, allow: ['127.0.0.0/8'] });
    await expect(range.fetch(`http://127.0.0.1:${port}/tone.wav`, audio)).resolves.toMatchObject({ format: 'wav' });
    await expect(range.fetch(`http://[::ffff:127.0.0.1]:${port}/tone.wav`, audio)).resolves.toMatchObject({
      format: 'wav',
    });
  });

  it('a redirect from an allowed host to a private one is refused at the hop', async () => {
    routes['/moved'] = (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${port}/tone.wav` }).end();
    const byName = createSafeFetcher({
      ...limits,
      allow: ['localhost'],
      resolve: fakeDns({ localhost: ['127.0.0.1'] }),
    });
    const error = await refusal(byName.fetch(`http://localhost:${port}/moved`, audio));
    expect(error.message).toBe('refused: 127.0.0.1 is a loopback address; set FETCH_ALLOW to permit it');
    expect(requests.map((r) => r.path)).toEqual(['/moved']);
  });

  it('redirects are followed, each hop checked, at most maxRedirects', async () => {
    routes['/a'] = (_req, res) => res.writeHead(301, { location: '/b' }).end();
    routes['/b'] = (_req, res) => res.writeHead(307, { location: '/tone.wav' }).end();
    routes['/loop'] = (_req, res) => res.writeHead(302, { location: '/loop' }).end();
    const fetched = await loopback.fetch(`http://127.0.0.1:${port}/a`, audio);
    expect(fetched).toMatchObject({ redirects: 2, finalUrl: `http://127.0.0.1:${port}/tone.wav` });
    const limited = createSafeFetcher({ ...limits, allow: ['127.0.0.1'], maxRedirects: 3 });
    const error = await refusal(limited.fetch(`http://127.0.0.1:${port}/loop`, audio));
    expect(error.code).toBe('TooManyRedirects');
    expect(requests.filter((r) => r.path === '/loop')).toHaveLength(4);
  });

  it('DNS rebinding: the socket goes to the checked address; the name is resolved once', async () => {
    let lookups = 0;
    // First answer allowed; any later answer (what a rebinding server gives) would not be.
    const rebinding: Resolver = async () => (++lookups === 1 ? ['127.0.0.1'] : ['10.0.0.1']);
    const fetcher = createSafeFetcher({ ...limits, allow: ['127.0.0.1'], resolve: rebinding });
    const fetched = await fetcher.fetch(`http://rebind.example:${port}/tone.wav`, audio);
    expect(fetched.format).toBe('wav');
    expect(lookups).toBe(1);
    // The name never reached the system resolver (it would not know it): the connection was pinned.
    expect(requests).toEqual([{ path: '/tone.wav', host: `rebind.example:${port}` }]);
  });
});

describe('what comes back is bounded and checked', () => {
  const small = createSafeFetcher({ maxBytes: 64 * 1024, timeoutMs: 5_000, allow: ['127.0.0.1'] });

  it('an oversize body is refused by its Content-Length before it is read', async () => {
    const error = await refusal(small.fetch(`http://127.0.0.1:${port}/tone.wav`, audio));
    expect(error).toMatchObject({ code: 'TooLarge', retryable: false });
    expect(error.message).toMatch(/larger than the 65536 bytes limit/);
  });

  it('an oversize body without a length is cut off while it streams', async () => {
    let sent = 0;
    routes['/endless'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(wav.subarray(0, 44));
      const chunk = Buffer.alloc(16 * 1024);
      const pump = () => {
        while (!res.destroyed && sent < 4 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    };
    const error = await refusal(small.fetch(`http://127.0.0.1:${port}/endless`, audio));
    expect(error.code).toBe('TooLarge');
    expect(sent).toBeLessThan(4 * 1024 * 1024);
  });

  it('a slow body runs into the time limit', async () => {
    routes['/slow'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(wav.length) });
      res.write(wav.subarray(0, 1000)); // then nothing more, ever
    };
    const impatient = createSafeFetcher({ maxBytes: 1024 * 1024, timeoutMs: 300, allow: ['127.0.0.1'] });
    const error = await refusal(impatient.fetch(`http://127.0.0.1:${port}/slow`, audio));
    expect(error).toMatchObject({ code: 'Timeout', retryable: true });
    expect(error.message).toMatch(/did not finish within 0\.3 s/);
  });

  it('wrong magic bytes: HTML that calls itself audio/wav', async () => {
    routes['/fake.wav'] = (_req, res) =>
      res.writeHead(200, { 'content-type': 'audio/wav' }).end('<!doctype html><title>Not music</title>');
    const error = await refusal(small.fetch(`http://127.0.0.1:${port}/fake.wav`, audio));
    expect(error.code).toBe('WrongContent');
    expect(error.message).toMatch(/is not a media format we know by its first bytes, not audio$/);
  });

  it('wrong magic bytes: an image where audio was asked for', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    routes['/cover.mp3'] = (_req, res) => res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(png);
    const error = await refusal(small.fetch(`http://127.0.0.1:${port}/cover.mp3`, audio));
    expect(error.message).toMatch(/is png \(image\) by its first bytes, not audio$/);
    await expect(small.fetch(`http://127.0.0.1:${port}/cover.mp3`, { accept: ['image'] })).resolves.toMatchObject({
      format: 'png',
      kind: 'image',
    });
  });

  it('an HTTP error is typed, retryable only when retrying could help', async () => {
    routes['/busy'] = (_req, res) => res.writeHead(503).end();
    await expect(small.fetch(`http://127.0.0.1:${port}/busy`, audio)).rejects.toMatchObject({
      code: 'HttpStatus',
      retryable: true,
    });
    await expect(small.fetch(`http://127.0.0.1:${port}/missing`, audio)).rejects.toMatchObject({
      code: 'HttpStatus',
      retryable: false,
      details: { status: 404 },
    });
  });
});

describe('sniff', () => {
  it('names containers by their first bytes and takes the kind the caller accepts', () => {
    const ftyp = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from(`ftyp${brand}`)]);
    expect(sniff(ftyp('M4A '), ['audio'])).toEqual({ format: 'mp4', kind: 'audio' });
    expect(sniff(ftyp('isom'), ['audio'])).toEqual({ format: 'mp4', kind: 'audio' });
    expect(sniff(ftyp('isom'), ['video'])).toEqual({ format: 'mp4', kind: 'video' });
    expect(sniff(Buffer.from('ID3\x04\x00'), ['audio'])).toEqual({ format: 'mp3', kind: 'audio' });
    expect(sniff(Buffer.from([0xff, 0xfb, 0x90, 0x64]), ['audio'])).toEqual({ format: 'mp3', kind: 'audio' });
    expect(sniff(Buffer.from('OggS\x00\x02'), ['audio'])).toEqual({ format: 'ogg', kind: 'audio' });
    expect(() => sniff(Buffer.from([0xff, 0xd8, 0xff, 0xe0]), ['audio'])).toThrow(/jpeg \(image\)/);
  });
});
