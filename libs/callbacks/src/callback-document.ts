import type { Backup, BackupRequest } from '@linebacker/domain';

/** The version of the callback document (changes only with its fields). */
export const CALLBACK_DOCUMENT_VERSION = '2026-12-05';

/** What a receiver gets: the end state and what it needs to act on it, nothing internal. */
export interface CallbackDocument {
  apiVersion: string;
  eventId: string;
  backupRequestId: string;
  backupJobId: string;
  dataDate: string;
  status: BackupRequest['statusTypeCode'];
  reason: string | null;
  occurredAt: string;
  receivedTimestamp: string;
  checkedTimestamp: string | null;
  sentToInterfaceTimestamp: string | null;
  replyTimestamp: string | null;
  backup: {
    backupId: string;
    backupProviderCode: string;
    storagePathName: string;
    backupByteCount: string;
    verifyHashText: string | null;
    dueToDeleteDate: string;
  } | null;
}

/**
 * The event id of a request's end state. Derived, not drawn: every redelivery, every replay
 * from the dead-letter queue and every instance computes the same id, so the receiver can
 * drop what it already has. A request that went Failed → Succeeded has one id per end state.
 */
export function callbackEventId(
  request: Pick<BackupRequest, 'backupRequestId' | 'statusTypeCode'>,
): string {
  return `${request.backupRequestId}:${request.statusTypeCode}`;
}

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

function reasonOf(request: BackupRequest): string | null {
  if (request.statusTypeCode === 'NotAllowed') return 'the backup job is unknown or not active';
  if (request.statusTypeCode === 'Failed')
    return request.replyMessageText ?? 'the backup interface reported a failure';
  return null;
}

/** The document POSTed for a request in an end state, with its Backup when it Succeeded. */
export function callbackDocument(request: BackupRequest, backup: Backup | null): CallbackDocument {
  return {
    apiVersion: CALLBACK_DOCUMENT_VERSION,
    eventId: callbackEventId(request),
    backupRequestId: request.backupRequestId,
    backupJobId: request.backupJobId,
    dataDate: request.dataDate,
    status: request.statusTypeCode,
    reason: reasonOf(request),
    occurredAt: request.statusTimestamp.toISOString(),
    receivedTimestamp: request.receivedTimestamp.toISOString(),
    checkedTimestamp: iso(request.checkedTimestamp),
    sentToInterfaceTimestamp: iso(request.sentToInterfaceTimestamp),
    replyTimestamp: iso(request.replyTimestamp),
    backup:
      backup === null
        ? null
        : {
            backupId: backup.backupId,
            backupProviderCode: backup.backupProviderCode,
            storagePathName: backup.storagePathName,
            backupByteCount: backup.backupByteCount,
            verifyHashText: backup.verifyHashText,
            dueToDeleteDate: backup.dueToDeleteDate,
          },
  };
}
