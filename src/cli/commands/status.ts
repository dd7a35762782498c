import { type ShortStatus, getShortStatus } from '../../client/shorts.js';
import { loadConfig } from '../../config/index.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { formatBytes, formatProviders, formatSeconds, sceneLine, stageLine } from '../format.js';
import { connect } from '../temporalSetup.js';

const USAGE = `Usage: reelflow status <id> [--json]

Shows a short's state: stage and per-scene progress while it runs, the result or error after.

Options:
  --json       Print the status as one JSON object
  -h, --help   Show this help
`;

export const status: Command = {
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('status', argv, { json: { type: 'boolean' } });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const [id] = expectPositionals('status', positionals, ['id']);
    const config = loadConfig();
    const client = await connect(config);
    try {
      const current = await getShortStatus(client, config, id!);
      process.stdout.write(values.json ? `${JSON.stringify(current)}\n` : describe(current));
      return 0;
    } finally {
      await client.connection.close();
    }
  },
};

function describe(s: ShortStatus): string {
  const lines = [`${s.id}: ${s.status}${s.progress ? ` · ${s.progress.percent}% · ${stageLine(s.progress)}` : ''}`];
  if (s.status === 'running')
    lines.push(
      ...(s.progress?.scenes.map(sceneLine) ?? ['  (no progress yet: is a worker running? `reelflow worker`)']),
    );
  if (s.result) {
    const r = s.result;
    lines.push(
      `  video       ${r.videoPath}`,
      `              ${formatSeconds(r.durationSec)} · ${r.width}×${r.height} · ${r.fps} fps · ${formatBytes(r.sizeBytes)}`,
      `  providers   ${formatProviders(r.providers)}${r.offline ? ' (offline placeholder art)' : ''}`,
    );
  }
  if (s.error) lines.push(`  error       ${s.error.type}: ${s.error.message}`);
  lines.push(
    `  started     ${s.startedAt ?? '?'}${s.closedAt ? ` · closed ${s.closedAt}` : ''}`,
    `  Web UI      ${s.webUiUrl}`,
  );
  return `${lines.join('\n')}\n`;
}
