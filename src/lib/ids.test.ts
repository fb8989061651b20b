import { describe, expect, it } from 'vitest';
import { isId, newRequestId } from './ids.js';

describe('request ids', () => {
  it('have the form of SPEC §1 (req_ and 20 base62) and differ at the same millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newRequestId(Date.UTC(2026, 11, 1)));
    for (const id of ids) expect(isId('req', id), id).toBe(true);
    expect(new Set(ids).size).toBe(1000);
  });

  it('sort by time in byte order, so an index on them grows at one end', () => {
    const times = [0, 1, 61, 62, 3843, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 1, Date.UTC(2099, 11, 31)];
    const ids = times.map((time) => newRequestId(time));
    expect([...ids].sort()).toEqual(ids);
  });
});
