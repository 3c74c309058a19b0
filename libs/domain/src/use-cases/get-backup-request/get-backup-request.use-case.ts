import type { Backup } from '../../backup/backup';
import type { BackupRequest } from '../../backup-request/backup-request';
import { RequestNotFoundError } from '../../errors/domain-errors';
import type { CallbackAttemptLog, CallbackAttemptRecord } from '../../ports/callback-attempts.port';
import type {
  BackupRepository,
  BackupRequestRepository,
  StatusHistoryEntry,
} from '../../ports/backup-request.repository';

/** Dependencies of the read side. */
export interface GetBackupRequestDeps {
  requests: BackupRequestRepository;
  backups: BackupRepository;
  /** Without it, a request's view shows no callback attempts. */
  callbackAttempts?: CallbackAttemptLog;
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
  /** Each POST of its end state to its callback URL, oldest first (ADR 0214). */
  callbackAttempts: CallbackAttemptRecord[];
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
  const [history, backup, callbackAttempts] = await Promise.all([
    deps.requests.history(request.backupRequestId),
    deps.backups.findByRequestId(request.backupRequestId),
    // Only a request with a callback has attempts: the others spare the read.
    request.callbackUrl === null
      ? []
      : (deps.callbackAttempts?.forRequest(request.backupRequestId) ?? []),
  ]);
  return { request, history, backup, callbackAttempts };
}
