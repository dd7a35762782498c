import type { Client } from '@temporalio/client';
import { type PoolKeyStatus, type PoolStatus, getPoolStatus } from '../../client/pool.js';
import type { Config } from '../../config/index.js';
import { LocalStorage } from '../../storage/index.js';
import { connectClient } from '../../temporal/connect.js';
import { isListening } from '../../temporal/devServer.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';

const USAGE = `Usage: reelflow pool [--json]

Shows the Replicate key pool: per key (masked) its limit, predictions in flight, completed and
failed, health and last error. Reads the stats the key workers publish under DATA_DIR, so it works
without the API; when Temporal answers it also shows whether each key's worker is polling.

Health: failing = invalid token or no credit in the last hour; degraded = another key or service
error in the last 5 minutes, or work in flight whose worker looks gone; healthy = working;
idle = served, nothing in flight; not-served = no worker serves the key.

Options:
  --json       Print the status as one JSON object
  -h, --help   Show this help
`;

export const pool: Command = defineCommand({
  name: 'pool',
  usage: USAGE,
  options: { json: { type: 'boolean' } },
  positionals: [],
  async run({ values, config: loadConfig }) {
    const config = loadConfig();
    const client = config.replicate.keys.length ? await tryConnect(config) : undefined;
    try {
      const status = await getPoolStatus(config, new LocalStorage(config.dataDir), { client, deadlineMs: 2000 });
      if (!client && status.configured) status.temporal = 'down';
      process.stdout.write(values.json ? `${JSON.stringify(status)}\n` : describe(status, config.temporal.address));
      return 0;
    } finally {
      await client?.connection.close();
    }
  },
});

/** Temporal is a bonus here: without it the table still comes from the stats files. */
async function tryConnect(config: Config): Promise<Client | undefined> {
  try {
    if (!(await isListening(config.temporal.address, 500))) return undefined;
    return await connectClient(config);
  } catch {
    return undefined;
  }
}

const COLUMNS = ['KEY', 'LIMIT', 'IN FLIGHT', 'COMPLETED', 'FAILED', 'HEALTH', 'LAST ERROR'] as const;
const RIGHT_ALIGNED = new Set<string>(['LIMIT', 'IN FLIGHT', 'COMPLETED', 'FAILED']);

function describe(status: PoolStatus, address: string, now = Date.now()): string {
  if (!status.configured) {
    return 'Replicate pool: no keys configured. Set REPLICATE_API_TOKEN_1..N (or REPLICATE_API_TOKEN) to use Replicate.\n';
  }
  const n = status.keys.length;
  const liveness =
    status.temporal === 'up'
      ? 'worker liveness from Temporal'
      : status.temporal === 'down'
        ? `Temporal did not answer at ${address}; health from the stats files only`
        : 'health from the stats files only';
  const rows: string[][] = status.keys.map((k) => [
    `#${k.index} ${k.key}`,
    String(k.limit),
    String(k.inFlight),
    String(k.completed),
    String(k.failed),
    healthCell(k),
    k.lastError ? `${k.lastError.type} ${ago(k.lastError.at, now)}: ${oneLine(k.lastError.message)}` : '',
  ]);
  const t = status.totals;
  rows.push(['total', String(t.limit), String(t.inFlight), String(t.completed), String(t.failed), '', '']);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `  ${cells
      .map((cell, i) => (RIGHT_ALIGNED.has(COLUMNS[i]!) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()}`;
  return [
    `Replicate pool: ${n} key${n === 1 ? '' : 's'} at ${status.baseUrl} (${liveness})`,
    line(COLUMNS),
    ...rows.map(line),
    '',
  ].join('\n');
}

function healthCell(k: PoolKeyStatus): string {
  return k.polling === false && k.health !== 'not-served' ? `${k.health} (no worker polling)` : k.health;
}

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(s)) return '';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
