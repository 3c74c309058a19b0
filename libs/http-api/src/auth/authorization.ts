import { PermanentError } from '@linebacker/domain';
import type { Principal } from './principal';

/** The client may not submit this backup job (403). */
export class JobNotAllowedError extends PermanentError {
  constructor(requesterId: string, backupJobId: string) {
    super('JobNotAllowed', `${requesterId} may not submit backup job ${backupJobId}`);
    this.name = 'JobNotAllowedError';
  }
}

/** The data location is malformed or outside the client's prefixes (400). */
export class LocationNotAllowedError extends PermanentError {
  constructor(reason: string) {
    super('LocationNotAllowed', `backupDataLocation ${reason}`);
    this.name = 'LocationNotAllowedError';
  }
}

/** The data date lies outside the accepted window (400). */
export class DataDateOutOfRangeError extends PermanentError {
  constructor(earliest: string, latest: string) {
    super('DataDateOutOfRange', `dataDate must lie between ${earliest} and ${latest}`);
    this.name = 'DataDateOutOfRangeError';
  }
}

/** How far back and ahead of today (UTC) a `dataDate` may lie. */
export interface DataDateWindow {
  maxAgeDays: number;
  maxAheadDays: number;
}

// C0 and C1 controls, DEL and NUL: never part of a path an operator can read back safely.
const isControl = (code: number): boolean => code < 0x20 || (code >= 0x7f && code <= 0x9f);

/**
 * The location in one canonical form, or the reason it is refused: it must be an absolute
 * path without control characters and without `..` segments (also behind a backslash, which
 * some interfaces read as a separator); `.` segments and repeated slashes are folded away so
 * the prefix check sees the path the interface will.
 */
export function normalizeLocation(location: string): string {
  if ([...location].some((char) => isControl(char.charCodeAt(0))))
    throw new LocationNotAllowedError('holds control characters');
  if (!location.startsWith('/')) throw new LocationNotAllowedError('must be an absolute path');
  const segments = location.split('/');
  if (segments.some((segment) => segment.split('\\').includes('..')))
    throw new LocationNotAllowedError('must not hold .. segments');
  const kept = segments.filter((segment) => segment !== '' && segment !== '.');
  return `/${kept.join('/')}${location.endsWith('/') && kept.length > 0 ? '/' : ''}`;
}

/** Whether `path` is `prefix` itself or lies below it (never `/data/ab` for `/data/a`). */
function within(path: string, prefix: string): boolean {
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === base || path.startsWith(`${base}/`);
}

const isoDay = (date: Date): string => date.toISOString().slice(0, 10);

function shiftDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * 86_400_000);
}

/** What a submission asks for, as the route read it. */
export interface Submission {
  backupJobId: string;
  dataDate: string;
  backupDataLocation: string;
}

/**
 * Checks a submission against its client's rights and the date window; returns the location
 * in canonical form (what gets stored and sent). Throws JobNotAllowed, LocationNotAllowed or
 * DataDateOutOfRange, so nothing is stored for a refused request.
 */
export function authorizeSubmission(
  principal: Principal,
  submission: Submission,
  window: DataDateWindow,
  now: Date,
): string {
  if (principal.jobs !== '*' && !principal.jobs.has(submission.backupJobId))
    throw new JobNotAllowedError(principal.requesterId, submission.backupJobId);
  const location = normalizeLocation(submission.backupDataLocation);
  const prefixes = principal.locationPrefixes;
  if (prefixes !== '*' && !prefixes.some((prefix) => within(location, normalizeLocation(prefix))))
    throw new LocationNotAllowedError(
      `is outside the locations allowed to ${principal.requesterId}`,
    );
  const earliest = isoDay(shiftDays(now, -window.maxAgeDays));
  const latest = isoDay(shiftDays(now, window.maxAheadDays));
  if (submission.dataDate < earliest || submission.dataDate > latest)
    throw new DataDateOutOfRangeError(earliest, latest);
  return location;
}
