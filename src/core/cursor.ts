import { invalid } from './errors.js';
import type { Position } from './ports.js';

/** An opaque page cursor: the last row's position, as base64url JSON. */
export function encodeCursor(position: Position<number | string>): string {
  return Buffer.from(JSON.stringify([position.time, position.tiebreak])).toString('base64url');
}

/** The position a cursor from `encodeCursor` names; VALIDATION_ERROR for anything else. */
export function decodeCursor<T extends 'number' | 'string'>(cursor: string, tiebreak: T): Position<T extends 'number' ? number : string> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || !Number.isSafeInteger(decoded[0]) || typeof decoded[1] !== tiebreak) {
    throw invalid('cursor', 'is not a cursor from a previous page');
  }
  return { time: decoded[0], tiebreak: decoded[1] };
}

/** A page of a newest-first listing and the cursor of the next page (null on the last one). */
export function pageOf<Row>(rows: Row[], limit: number, position: (row: Row) => Position<number | string>): { rows: Row[]; nextCursor: string | null } {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { rows: rows.slice(0, limit), nextCursor: last === undefined ? null : encodeCursor(position(last)) };
}
