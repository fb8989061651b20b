import { invalid } from './errors.js';
import type { Position } from './ports.js';

/** An opaque page cursor: the last row's position, as base64url JSON. */
function encodeCursor({ time, seq }: Position): string {
  return Buffer.from(JSON.stringify([time, seq])).toString('base64url');
}

/** The position a cursor from `encodeCursor` names; VALIDATION_ERROR for anything else. */
export function decodeCursor(cursor: string): Position {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || !decoded.every((part) => Number.isSafeInteger(part))) {
    throw invalid('cursor', 'is not a cursor from a previous page');
  }
  return { time: decoded[0], seq: decoded[1] };
}

/**
 * A page of a newest-first listing from `rows` (read with limit + 1, to know whether more
 * follow) and the cursor of the next page, null on the last one.
 */
export function pageOf<Row extends Position>(rows: Row[], limit: number): { rows: Row[]; nextCursor: string | null } {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { rows: rows.slice(0, limit), nextCursor: last === undefined ? null : encodeCursor(last) };
}
