import { ValidationError } from './errors/domain-errors';

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The years a `YYYY-MM-DD` string can carry. */
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

/**
 * Midnight UTC of the given day. `Date.UTC` reads years 0-99 as 1900-1999, so the year is set
 * with `setUTCFullYear`, which takes it literally. Out-of-range days roll over into the next
 * month or year, which is what adding days relies on.
 */
function utcMidnight(year: number, monthIndex: number, day: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date;
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** True for a real calendar date written `YYYY-MM-DD` (no time, no zone). */
export function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = utcMidnight(year, month - 1, day);
  return (
    year >= MIN_YEAR &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day
  );
}

/**
 * Adds whole calendar days to a `YYYY-MM-DD` date. Computed in UTC so that neither the
 * host's zone nor a daylight-saving change can shift the result by a day. A result outside
 * 0001-01-01..9999-12-31 cannot be written `YYYY-MM-DD` and is rejected, not garbled.
 */
export function addCalendarDays(date: string, days: number): string {
  if (!isCalendarDate(date)) throw new ValidationError(`not a calendar date: ${date}`, 'date');
  if (!Number.isInteger(days)) throw new ValidationError(`not a whole number of days: ${days}`);
  const [year, month, day] = date.split('-').map(Number);
  const result = utcMidnight(year, month - 1, day + days);
  const resultYear = result.getUTCFullYear();
  // An Invalid Date (beyond the Date range) has a NaN year and fails both comparisons.
  if (!(resultYear >= MIN_YEAR && resultYear <= MAX_YEAR)) {
    throw new ValidationError(`${date} plus ${days} days is outside the years 0001 to 9999`);
  }
  return `${pad(resultYear, 4)}-${pad(result.getUTCMonth() + 1, 2)}-${pad(result.getUTCDate(), 2)}`;
}
