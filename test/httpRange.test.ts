import { describe, expect, it } from 'vitest';
import { parseRange } from '../src/api/range.js';

describe('parseRange (HTTP Range against a 1000-byte file)', () => {
  const size = 1000;

  it.each([
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=100-', { kind: 'partial', start: 100, end: 999 }],
    ['bytes=-100', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=999-999', { kind: 'partial', start: 999, end: 999 }],
    [' Bytes = 5-9 ', { kind: 'partial', start: 5, end: 9 }],
  ])('serves %j partially', (header, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it.each([
    ['bytes=1000-', 'start at the end'],
    ['bytes=5000-6000', 'start past the end'],
    ['bytes=-0', 'an empty suffix'],
  ])('refuses %j (%s) as unsatisfiable', (header) => {
    expect(parseRange(header, size)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each<[string | undefined, string]>([
    [undefined, 'no header'],
    ['', 'an empty header'],
    ['bytes=0-1,5-6', 'several ranges'],
    ['bytes=9-3', 'an end before its start'],
    ['bytes=-', 'no numbers'],
    ['bytes=a-b', 'letters'],
    ['bytes=1.5-2', 'a fraction'],
    ['items=0-9', 'another unit'],
    ['0-9', 'no unit'],
  ])('answers %j (%s) with the whole file', (header) => {
    expect(parseRange(header, size)).toEqual({ kind: 'full' });
  });

  it('finds nothing to serve in an empty file', () => {
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-10', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});
