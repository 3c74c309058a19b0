import { ValidationError } from './errors/domain-errors';

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD` (no time, no zone). */
export function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day
  );
}

/**
 * Adds whole calendar days to a `YYYY-MM-DD` date. Computed in UTC so that neither the
 * host's zone nor a daylight-saving change can shift the result by a day.
 */
export function addCalendarDays(date: string, days: number): string {
  if (!isCalendarDate(date)) throw new ValidationError(`not a calendar date: ${date}`, 'date');
  if (!Number.isInteger(days)) throw new ValidationError(`not a whole number of days: ${days}`);
  const [year, month, day] = date.split('-').map(Number);
  const result = new Date(Date.UTC(year, month - 1, day + days));
  return result.toISOString().slice(0, 10);
}
