/**
 * One `Range: bytes=…` header against a file of `size` bytes (RFC 9110 §14). Only single ranges
 * are served partially; a multi-range or malformed header gets the whole file, which the RFC allows.
 */
export type RangeAnswer =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const SPEC = /^(\d*)-(\d*)$/;

export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (!header) return { kind: 'full' };
  const match = /^bytes\s*=\s*(.+)$/i.exec(header.trim());
  if (!match || match[1]!.includes(',')) return { kind: 'full' };
  const spec = SPEC.exec(match[1]!.trim());
  if (!spec) return { kind: 'full' };
  const [, first = '', last = ''] = spec;

  if (first === '') {
    // Suffix: the last n bytes.
    if (last === '') return { kind: 'full' };
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'full' }; // invalid range-spec: ignore it
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}
