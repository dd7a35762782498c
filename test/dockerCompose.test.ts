import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const composePath = resolve(repoRoot, 'docker-compose.yml');

type Build = string | { context?: string; dockerfile?: string };
interface Service {
  image?: string;
  build?: Build;
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  ports?: (string | number | { target?: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  depends_on?: string[] | Record<string, unknown>;
  deploy?: { replicas?: number };
  healthcheck?: { test?: string | string[] };
}
interface Compose {
  services?: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function loadCompose(): Compose {
  // Compose honours YAML merge keys (`<<: *anchor`), so the test reads the file the same way.
  return parse(readFileSync(composePath, 'utf8'), { merge: true }) as Compose;
}

function service(compose: Compose, name: string): Service {
  const svc = compose.services?.[name];
  if (!svc) throw new Error(`docker-compose.yml has no service "${name}"`);
  return svc;
}

/** Normalise `environment` (map or KEY=VALUE list) to a map of strings. */
function envOf(svc: Service): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const i = entry.indexOf('=');
        return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** Normalise `command` (string or exec list) to argv. */
function argvOf(command: string | string[]): string[] {
  return Array.isArray(command) ? command.map(String) : command.trim().split(/\s+/);
}

/** Named-volume mounts of a service as {source, target}; bind mounts are skipped. */
function namedVolumeMounts(svc: Service): { source: string; target: string }[] {
  const mounts: { source: string; target: string }[] = [];
  for (const v of svc.volumes ?? []) {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      if (target && source && !source.startsWith('.') && !source.startsWith('/') && !source.startsWith('~')) {
        mounts.push({ source, target });
      }
    } else if ((v.type ?? 'volume') === 'volume' && v.source && v.target) {
      mounts.push({ source: v.source, target: v.target });
    }
  }
  return mounts;
}

function publishedPorts(svc: Service): string[] {
  return (svc.ports ?? []).map((p) => (typeof p === 'object' ? `${p.published ?? ''}:${p.target ?? ''}` : String(p)));
}

function dockerfileFor(build: Build): string {
  const context = typeof build === 'string' ? build : (build.context ?? '.');
  const dockerfile = typeof build === 'string' ? 'Dockerfile' : (build.dockerfile ?? 'Dockerfile');
  const contextDir = isAbsolute(context) ? context : resolve(repoRoot, context);
  return resolve(contextDir, dockerfile);
}

const APP_SERVICES = ['api', 'worker'] as const;
const SUBCOMMANDS = new Set(['api', 'worker']);

/** Checks an argv like ["node", "bin/reelflow.js", "worker"]; returns the subcommand. */
function expectNodeScriptCommand(argv: string[], where: string): string {
  expect(argv[0], `${where}: runs node`).toBe('node');
  const script = argv[1];
  expect(script, `${where}: names a script`).toBeTruthy();
  const scriptPath = resolve(repoRoot, script!);
  expect(existsSync(scriptPath), `${where}: script ${script} exists in the repo`).toBe(true);
  expect(statSync(scriptPath).isFile(), `${where}: ${script} is a file`).toBe(true);
  const sub = argv[2];
  expect(SUBCOMMANDS.has(sub ?? ''), `${where}: subcommand "${sub}" is one of api, worker`).toBe(true);
  return sub!;
}

describe('docker-compose.yml', () => {
  it('exists and parses', () => {
    expect(existsSync(composePath)).toBe(true);
    const compose = loadCompose();
    expect(compose.services).toBeTypeOf('object');
  });

  it('defines the expected services', () => {
    const names = Object.keys(loadCompose().services ?? {});
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'api', 'worker']) {
      expect(names, `service ${name}`).toContain(name);
    }
  });

  it('runs Temporal on PostgreSQL with a healthchecked database', () => {
    const compose = loadCompose();
    const pg = service(compose, 'postgresql');
    expect(pg.image).toMatch(/^postgres:16\b/);
    expect(pg.healthcheck?.test, 'postgres healthcheck').toBeTruthy();

    const temporal = service(compose, 'temporal');
    expect(temporal.image).toMatch(/^temporalio\/auto-setup(:|$)/);
    const env = envOf(temporal);
    expect(env.DB).toBe('postgres12');
    expect(env.POSTGRES_SEEDS).toBe('postgresql');
    expect(env.POSTGRES_USER).toBeTruthy();
    expect(env.POSTGRES_PWD).toBeTruthy();
    const deps = Array.isArray(temporal.depends_on) ? temporal.depends_on : Object.keys(temporal.depends_on ?? {});
    expect(deps).toContain('postgresql');
    expect(publishedPorts(temporal)).toContain('7233:7233');

    const ui = service(compose, 'temporal-ui');
    expect(ui.image).toMatch(/^temporalio\/ui(:|$)/);
    expect(envOf(ui).TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(publishedPorts(ui)).toContain('8080:8080');
  });

  it('every build context has an existing Dockerfile', () => {
    const compose = loadCompose();
    const built = Object.entries(compose.services ?? {}).filter(([, svc]) => svc.build !== undefined);
    expect(built.map(([name]) => name)).toEqual(expect.arrayContaining([...APP_SERVICES]));
    for (const [name, svc] of built) {
      const dockerfile = dockerfileFor(svc.build!);
      expect(existsSync(dockerfile), `${name}: ${dockerfile} exists`).toBe(true);
    }
  });

  it('api and worker run an existing script with a known subcommand', () => {
    const compose = loadCompose();
    for (const name of APP_SERVICES) {
      const svc = service(compose, name);
      expect(svc.command, `${name}: command`).toBeDefined();
      const sub = expectNodeScriptCommand(argvOf(svc.command!), `service ${name}`);
      expect(sub, `${name} runs its own subcommand`).toBe(name);
    }
  });

  it('api and worker share DATA_DIR on the declared reelflow-data volume', () => {
    const compose = loadCompose();
    for (const name of APP_SERVICES) {
      const svc = service(compose, name);
      const env = envOf(svc);
      expect(env.TEMPORAL_ADDRESS, `${name}: TEMPORAL_ADDRESS`).toBe('temporal:7233');
      expect(env.DATA_DIR ?? '/data', `${name}: DATA_DIR`).toBe('/data');
      expect(namedVolumeMounts(svc), `${name}: mounts reelflow-data at /data`).toContainEqual({
        source: 'reelflow-data',
        target: '/data',
      });
    }
    const api = service(compose, 'api');
    expect(envOf(api).API_HOST).toBe('0.0.0.0');
    expect(envOf(api).API_PORT).toBe('8787');
    expect(publishedPorts(api)).toContain('8787:8787');
  });

  it('declares every named volume that a service mounts', () => {
    const compose = loadCompose();
    const declared = Object.keys(compose.volumes ?? {});
    expect(declared).toContain('reelflow-data');
    for (const [name, svc] of Object.entries(compose.services ?? {})) {
      for (const { source } of namedVolumeMounts(svc)) {
        expect(declared, `${name}: volume ${source} is declared`).toContain(source);
      }
    }
  });

  it('worker can be scaled (no fixed container_name or host ports)', () => {
    const worker = service(loadCompose(), 'worker') as Service & { container_name?: string };
    expect(worker.deploy?.replicas).toBe(1);
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports ?? []).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const dockerfilePath = resolve(repoRoot, 'Dockerfile');
  const read = () => readFileSync(dockerfilePath, 'utf8');
  /** Instructions with line continuations joined and comments dropped. */
  const instructions = () =>
    read()
      .replace(/\\\r?\n/g, ' ')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));

  it('exists', () => {
    expect(existsSync(dockerfilePath)).toBe(true);
  });

  it('builds from a Debian (glibc) slim Node image, not Alpine', () => {
    const froms = instructions().filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) {
      const image = from.split(/\s+/)[1]!;
      expect(image).toMatch(/^node:\d+(\.\d+)*-(bookworm|bullseye|trixie)(-slim)?$|^node:\d+(\.\d+)*-slim$/);
      expect(image).not.toMatch(/alpine/i);
    }
  });

  it('installs the media tools and fonts, and sets DATA_DIR=/data', () => {
    const text = instructions().join('\n');
    for (const pkg of ['ffmpeg', 'espeak-ng', 'fonts-noto-core', 'fonts-noto-cjk']) {
      expect(text, `installs ${pkg}`).toMatch(new RegExp(`apt-get install[^\\n]*\\b${pkg}\\b`));
    }
    expect(text).toMatch(/\bnpm ci\b/);
    expect(text).toMatch(/^ENV\s+DATA_DIR[= ]\/data\s*$/m);
  });

  it('default CMD runs the worker through an existing script', () => {
    const cmd = instructions().find((l) => /^CMD\s/i.test(l));
    expect(cmd, 'has a CMD').toBeDefined();
    const body = cmd!.replace(/^CMD\s+/i, '');
    const argv = body.startsWith('[') ? (JSON.parse(body) as string[]) : body.split(/\s+/);
    expect(expectNodeScriptCommand(argv, 'Dockerfile CMD')).toBe('worker');
  });
});

describe('bind mounts', () => {
  it('mount files that exist in the repository (Temporal dynamic config: single-partition queues)', () => {
    const compose = loadCompose();
    const binds = Object.values(compose.services ?? {}).flatMap((svc) =>
      (svc.volumes ?? [])
        .filter((v): v is string => typeof v === 'string' && v.startsWith('./'))
        .map((v) => v.split(':')[0]!),
    );
    expect(binds).toContain('./deploy/temporal/dynamicconfig.yaml');
    for (const source of binds) expect(existsSync(resolve(repoRoot, source)), source).toBe(true);
    const dynamic = parse(readFileSync(resolve(repoRoot, 'deploy/temporal/dynamicconfig.yaml'), 'utf8'));
    expect(dynamic['matching.numTaskqueueReadPartitions']).toEqual([{ value: 1 }]);
  });
});

describe('.dockerignore', () => {
  it('keeps local state out of the build context', () => {
    const path = resolve(repoRoot, '.dockerignore');
    expect(existsSync(path)).toBe(true);
    const entries = readFileSync(path, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^\/|\/$/g, ''));
    for (const e of ['node_modules', '.tools', 'data', 'out', '.git']) {
      expect(entries, `.dockerignore lists ${e}`).toContain(e);
    }
  });
});
