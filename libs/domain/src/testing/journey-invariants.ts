import type { Backup } from '../backup/backup';
import type { BackupRequest } from '../backup-request/backup-request';
import { isResendEntry } from '../backup-request/reply-deadline';
import { STATUS_RANK, type RequestStatus } from '../backup-request/request-status';
import type { StatusHistoryEntry } from '../ports/backup-request.repository';

/**
 * Every status change SPEC §1 allows, written out independently of `transition` so that a
 * test comparing the two catches a mistake in either.
 */
export const LEGAL_STATUS_MOVES: ReadonlyArray<readonly [RequestStatus, RequestStatus]> = [
  ['Received', 'Allowed'],
  ['Received', 'NotAllowed'],
  ['Allowed', 'Sent'],
  ['Allowed', 'Succeeded'],
  ['Allowed', 'Failed'],
  ['Sent', 'Succeeded'],
  ['Sent', 'Failed'],
  ['Failed', 'Succeeded'],
];

/** True when SPEC §1 allows a request to move from `from` to `to`. */
export function isLegalStatusMove(from: RequestStatus, to: RequestStatus): boolean {
  return LEGAL_STATUS_MOVES.some(([f, t]) => f === from && t === to);
}

/**
 * What is wrong with one request's stored journey (empty when nothing): the history must
 * start with its creation as Received, chain each row onto the previous one, make only legal
 * moves of strictly rising rank (a resend's Sent→Sent row is a record, not a move), and end at the current status; the request must have at
 * most one Backup, and one exactly when it is Succeeded. Usable against any adapter.
 */
export function journeyViolations(
  request: BackupRequest,
  history: readonly StatusHistoryEntry[],
  backups: readonly Backup[],
): string[] {
  const problems: string[] = [];
  const id = request.backupRequestId;
  const [first, ...moves] = history;
  if (!first || first.fromStatus !== null || first.toStatus !== 'Received') {
    problems.push(`${id}: history does not start with the creation as Received`);
  }
  let previous = first?.toStatus;
  for (const { fromStatus: from, toStatus: to } of moves) {
    if (from === null) {
      problems.push(`${id}: a second creation row (to ${to})`);
    } else if (!isResendEntry(from, to)) {
      if (!isLegalStatusMove(from, to)) problems.push(`${id}: illegal move ${from} -> ${to}`);
      if (STATUS_RANK[to] <= STATUS_RANK[from]) problems.push(`${id}: backwards ${from} -> ${to}`);
    }
    if (from !== previous) problems.push(`${id}: move from ${from} after reaching ${previous}`);
    previous = to;
  }
  if (previous !== request.statusTypeCode) {
    problems.push(`${id}: history ends at ${previous} but the status is ${request.statusTypeCode}`);
  }
  const own = backups.filter((backup) => backup.backupRequestId === id);
  if (own.length > 1) problems.push(`${id}: ${own.length} Backups`);
  if ((request.statusTypeCode === 'Succeeded') !== (own.length === 1)) {
    problems.push(`${id}: status ${request.statusTypeCode} with ${own.length} Backup(s)`);
  }
  return problems;
}
