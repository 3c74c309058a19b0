import { randomUUID } from 'node:crypto';
import {
  backupFromReply,
  EVENT_FOR_STATUS,
  EVENT_TYPES,
  newBackupRequest,
  requestEvent,
  timestampPatchFor,
  type Backup,
  type BackupRequest,
  type NewBackupRequestInput,
  type RequestPatch,
  type RequestStatus,
  type StatusChange,
} from '@linebacker/domain';

/** A valid new request (status Received) received at `at`. */
export function aRequest(
  at = new Date('2024-03-01T10:00:00.000Z'),
  input: Partial<NewBackupRequestInput> = {},
): BackupRequest {
  return newBackupRequest(
    randomUUID(),
    {
      backupJobId: 'job-1',
      dataDate: '2024-02-29',
      preparedDataPathName: '/prepared/job-1/2024-02-29',
      requesterId: 'client-a',
      transportTypeCode: 'HTTP',
      ...input,
    },
    at,
  );
}

/** The `backup-request.received` message intake writes for a request. */
export const receivedEvent = (request: BackupRequest) =>
  requestEvent(EVENT_TYPES.received, request, null, request.receivedTimestamp);

/** A change from `from` to `to` with its timestamp patch and its status event. */
export function aChange(
  request: BackupRequest,
  from: RequestStatus,
  to: RequestStatus,
  extra: { at?: Date; patch?: RequestPatch; messageId?: string; backup?: Backup } = {},
): StatusChange {
  const at = extra.at ?? new Date(request.statusTimestamp.getTime() + 1000);
  const messageId = extra.messageId ?? `msg-${randomUUID()}`;
  return {
    backupRequestId: request.backupRequestId,
    from,
    to,
    at,
    patch: { ...timestampPatchFor(to, at), ...extra.patch },
    by: 'test-service',
    messageId,
    backup: extra.backup,
    outbox: [requestEvent(EVENT_FOR_STATUS[to], request, messageId, at)],
  };
}

/** The Backup a Succeeded reply would create for the request. */
export function aBackup(request: BackupRequest, byteCount = '9007199254740993'): Backup {
  const backup = backupFromReply(
    randomUUID(),
    { ...request, backupProviderCode: 'CloudA', storagePathName: '/store/a' },
    { backupProviderCode: 'CloudA', daysToKeep: 365, holdFlag: false },
    {
      apiVersion: '2022-05-22',
      backupRequestId: request.backupRequestId,
      storagePathName: '/store/a/copy',
      resultTypeCode: 'Succeeded',
      backupByteCount: 0,
      copyStartTimestamp: '2024-03-01T11:00:00.000Z',
      copyEndTimestamp: '2024-03-01T11:05:00.000Z',
      verifiedHash: 'sha256:abc',
    },
  );
  // The reply's number cannot carry more than 2^53; the domain keeps the count as text.
  return { ...backup, backupByteCount: byteCount };
}
