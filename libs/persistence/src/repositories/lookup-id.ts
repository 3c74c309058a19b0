import { ValidationError } from '@linebacker/domain';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks an id before it reaches a `where`. TypeORM drops `undefined` properties from a
 * `where` object, so `{ backupRequestId: undefined }` matches EVERY row: a missing id is a
 * programming error and is refused loudly. A present id that is not a UUID cannot name a
 * stored row (the column is `uuid`), so it is reported as "no such row" (null), not as an
 * error the caller never expected from a lookup.
 */
export function lookupId(value: unknown, field: string): string | null {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(`${field} must be a non-empty string`, field);
  }
  return UUID_PATTERN.test(value) ? value : null;
}

/**
 * PostgreSQL's order of two uuids given in their text form: that of their hex digits, case
 * aside. Statements that lock several requests take them in this order, so two of them that
 * share requests cannot deadlock.
 */
export function compareIds(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}
