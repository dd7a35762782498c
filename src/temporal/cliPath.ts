import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Finds the Temporal CLI the bootstrap installed: TEMPORAL_CLI_PATH, then the path bootstrap
 * recorded, then `.tools/bin/temporal`, then PATH. Never downloads anything.
 */
export function findTemporalCli(explicit?: string): string {
  const candidates = [
    explicit,
    readRecorded(),
    path.join(REPO_ROOT, '.tools/bin/temporal'),
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => dir && path.join(dir, 'temporal')),
  ];
  for (const candidate of candidates) if (candidate && isExecutable(candidate)) return candidate;
  throw new Error(
    'The Temporal CLI was not found. Run `npm run bootstrap` (it builds it into .tools/bin with Go), ' +
      'or install it (https://docs.temporal.io/cli) and set TEMPORAL_CLI_PATH.',
  );
}

function readRecorded(): string | undefined {
  const file = path.join(REPO_ROOT, '.tools/temporal-path');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
