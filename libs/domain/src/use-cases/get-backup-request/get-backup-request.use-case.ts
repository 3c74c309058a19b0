import type { Backup } from '../../backup/backup';
import type { BackupRequest } from '../../backup-request/backup-request';
import { RequestNotFoundError } from '../../errors/domain-errors';
import type {
  BackupRepository,
  BackupRequestRepository,
  StatusHistoryEntry,
} from '../../ports/backup-request.repository';

/** Dependencies of the read side. */
export interface GetBackupRequestDeps {
  requests: BackupRequestRepository;
  backups: BackupRepository;
}

/** Which request, asked by whom. */
export interface GetBackupRequestInput {
  backupRequestId: string;
  /** Only the requester that created a request may read it; null reads any (operators). */
  requesterId: string | null;
}

/** A request with its status history and its Backup, if any. */
export interface BackupRequestView {
  request: BackupRequest;
  history: StatusHistoryEntry[];
  backup: Backup | null;
}

/** Reads a request for its requester; another requester's request is reported as not found. */
export async function getBackupRequest(
  deps: GetBackupRequestDeps,
  input: GetBackupRequestInput,
): Promise<BackupRequestView> {
  const request = await deps.requests.findById(input.backupRequestId);
  if (
    request === null ||
    (input.requesterId !== null && request.requesterId !== input.requesterId)
  ) {
    throw new RequestNotFoundError(input.backupRequestId);
  }
  const [history, backup] = await Promise.all([
    deps.requests.history(request.backupRequestId),
    deps.backups.findByRequestId(request.backupRequestId),
  ]);
  return { request, history, backup };
}
