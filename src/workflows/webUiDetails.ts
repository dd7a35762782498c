import { setCurrentDetails } from '@temporalio/workflow';

/**
 * A run's page in the Web UI: a stage line and, once there are rows, a markdown table of them
 * (metadata only, not a command). Cells are kept to one short line: a `|` would split a cell.
 */
export function publishTable(stageLine: string, header: readonly string[], rows: readonly (string | number)[][]): void {
  const line = (cells: readonly (string | number)[]) =>
    `| ${cells.map((c) => String(c).replace(/\|/g, '/').slice(0, 120)).join(' | ')} |`;
  const table = rows.length ? ['', line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)] : [];
  setCurrentDetails([stageLine, ...table].join('\n'));
}
