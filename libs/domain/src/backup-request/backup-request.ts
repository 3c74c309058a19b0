import { isCalendarDate } from '../calendar-date';
import { ValidationError } from '../errors/domain-errors';
import type { BackupProviderCode } from '../backup-job/backup-job';
import type { RequestStatus } from './request-status';

/** How a request reached linebacker. */
export type TransportTypeCode = 'HTTP' | 'Queue';

/** The BackupRequest aggregate (SPEC §1). Dates are `YYYY-MM-DD`; timestamps are instants. */
export interface BackupRequest {
  backupRequestId: string;
  backupJobId: string;
  dataDate: string;
  preparedDataPathName: string;
  transportTypeCode: TransportTypeCode;
  statusTypeCode: RequestStatus;
  backupProviderCode: BackupProviderCode | null;
  storagePathName: string | null;
  /**
   * The job's retention and hold, captured with the provider when the request is allowed, so
   * its Backup never depends on the job still existing at reply time (ADR 0211). Null before
   * the check, and on requests allowed before these were captured.
   */
  daysToKeepCount: number | null;
  holdFlag: boolean | null;
  requesterId: string;
  /** Carried on every message about the request so one grep shows its whole journey. */
  correlationId: string;
  receivedTimestamp: Date;
  checkedTimestamp: Date | null;
  sentToInterfaceTimestamp: Date | null;
  replyTimestamp: Date | null;
  replyMessageText: string | null;
  /** Where the notifier POSTs the end state (ADR 0214); null when the requester wants none. */
  callbackUrl: string | null;
  /** When the status last changed; recovery measures staleness from it. */
  statusTimestamp: Date;
}

/** What a caller supplies to create a request. */
export interface NewBackupRequestInput {
  backupJobId: string;
  dataDate: string;
  preparedDataPathName: string;
  requesterId: string;
  transportTypeCode: TransportTypeCode;
  correlationId?: string;
  /** Already checked against the requester's callback policy (see CallbackTargets). */
  callbackUrl?: string | null;
}

/** Field limits of SPEC §1. */
export const REQUEST_LIMITS = {
  backupJobIdMax: 50,
  preparedDataPathNameMax: 250,
  storagePathNameMax: 250,
  replyMessageTextMax: 250,
  requesterIdMax: 200,
  callbackUrlMax: 1000,
} as const;

function requireText(value: unknown, field: string, max: number): void {
  if (typeof value !== 'string' || value.length < 1 || value.length > max) {
    throw new ValidationError(`${field} must be a string of 1 to ${max} characters`, field);
  }
}

/** Checks a new request's fields against the domain rules; throws ValidationError. */
export function validateNewRequest(input: NewBackupRequestInput): void {
  requireText(input.backupJobId, 'backupJobId', REQUEST_LIMITS.backupJobIdMax);
  if (typeof input.dataDate !== 'string' || !isCalendarDate(input.dataDate)) {
    throw new ValidationError('dataDate must be a real calendar date YYYY-MM-DD', 'dataDate');
  }
  requireText(
    input.preparedDataPathName,
    'backupDataLocation',
    REQUEST_LIMITS.preparedDataPathNameMax,
  );
  requireText(input.requesterId, 'requesterId', REQUEST_LIMITS.requesterIdMax);
  if (input.transportTypeCode !== 'HTTP' && input.transportTypeCode !== 'Queue') {
    throw new ValidationError('transportTypeCode must be HTTP or Queue', 'transportTypeCode');
  }
  if (input.callbackUrl !== undefined && input.callbackUrl !== null)
    requireText(input.callbackUrl, 'callbackUrl', REQUEST_LIMITS.callbackUrlMax);
}

/** A new request in status Received; validates first. */
export function newBackupRequest(
  backupRequestId: string,
  input: NewBackupRequestInput,
  now: Date,
): BackupRequest {
  validateNewRequest(input);
  return {
    backupRequestId,
    backupJobId: input.backupJobId,
    dataDate: input.dataDate,
    preparedDataPathName: input.preparedDataPathName,
    transportTypeCode: input.transportTypeCode,
    statusTypeCode: 'Received',
    backupProviderCode: null,
    storagePathName: null,
    daysToKeepCount: null,
    holdFlag: null,
    requesterId: input.requesterId,
    correlationId: input.correlationId ?? backupRequestId,
    receivedTimestamp: now,
    checkedTimestamp: null,
    sentToInterfaceTimestamp: null,
    replyTimestamp: null,
    replyMessageText: null,
    callbackUrl: input.callbackUrl ?? null,
    statusTimestamp: now,
  };
}

/** The request fields a status change may set besides the status itself, in a fixed order. */
export const REQUEST_PATCH_FIELDS = [
  'backupProviderCode',
  'storagePathName',
  'daysToKeepCount',
  'holdFlag',
  'checkedTimestamp',
  'sentToInterfaceTimestamp',
  'replyTimestamp',
  'replyMessageText',
] as const satisfies ReadonlyArray<keyof BackupRequest>;

/** What a status change sets besides the status: some of {@link REQUEST_PATCH_FIELDS}. */
export type RequestPatch = Partial<Pick<BackupRequest, (typeof REQUEST_PATCH_FIELDS)[number]>>;

/** True when a status change may set `field`. */
export function isPatchField(field: string): field is keyof RequestPatch {
  return (REQUEST_PATCH_FIELDS as readonly string[]).includes(field);
}

/** The timestamp field that the move into `to` sets (SPEC §1). */
export function timestampPatchFor(to: RequestStatus, at: Date): RequestPatch {
  switch (to) {
    case 'Allowed':
    case 'NotAllowed':
      return { checkedTimestamp: at };
    case 'Sent':
      return { sentToInterfaceTimestamp: at };
    case 'Succeeded':
    case 'Failed':
      return { replyTimestamp: at };
    case 'Received':
      return {};
  }
}

/** Truncates free text from outside to a column's limit. */
export function clipText(value: string | undefined, max: number): string | null {
  if (value === undefined) return null;
  return value.length > max ? value.slice(0, max) : value;
}
