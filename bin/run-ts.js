#!/usr/bin/env node
// Runs any TypeScript entry point without a build step: `node bin/run-ts.js bench/render.ts [args...]`.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const [, , entry] = process.argv;
if (!entry) {
  process.stderr.write('run-ts: which file? Usage: node bin/run-ts.js <file.ts> [args...]\n');
  process.exit(2);
}
// The script sees its own arguments from argv[2] on, as if it had been run directly.
process.argv.splice(1, 2, path.resolve(entry));
register();
await import(pathToFileURL(path.resolve(entry)).href);
