import { Type } from 'typebox';

const DEFAULT_PAGE = 50;

/** `cursor` and `limit` (1–200, default 50) of the dashboard's newest-first listings. */
export const PageFields = {
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  // Query strings are not coerced, so the number arrives as text.
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|1[0-9][0-9]|200)$', description: '1 to 200' })),
};

export function pageLimit(limit: string | undefined): number {
  return limit === undefined ? DEFAULT_PAGE : Number(limit);
}
