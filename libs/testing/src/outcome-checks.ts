import type { Client } from 'pg';
import {
  isRequestStatus,
  isResendEntry,
  isTerminalStatus,
  STATUS_RANK,
  type BackupJob,
  type RequestStatus,
} from '@linebacker/domain';
import { isLegalStatusMove } from '@linebacker/domain/testing';

/** A request the receiver accepted (answered 202 for). */
export interface AcceptedRequest {
  backupRequestId: string;
  backupJobId: string;
}

/** How many requests ended where, and how many Backups exist for them. */
export interface OutcomeSummary {
  NotAllowed: number;
  Succeeded: number;
  Failed: number;
  backups: number;
}

/** A stored request as the outcome checks read it. */
export interface RequestRow {
  backup_request_id: string;
  backup_job_id: string;
  status_type_code: string;
  backup_provider_code: string | null;
  storage_path_name: string | null;
}

/** One status history row (`from` is null on the creation row). */
export interface MoveRow {
  backup_request_id: string;
  from_status_type_code: string | null;
  to_status_type_code: string;
}

/** How many Backups one request has, and whether all are for the request's own job. */
export interface BackupCountRow {
  backup_request_id: string;
  n: number;
  same_job: boolean;
}

/** What the outcome checks read from the database. */
export interface OutcomeRows {
  requests: RequestRow[];
  backups: BackupCountRow[];
  /** Ordered by request, then by history id. */
  moves: MoveRow[];
}

/** What kind of rule a stored outcome breaks. */
export type OutcomeProblemKind =
  | 'not-stored'
  | 'wrong-job'
  | 'not-terminal'
  | 'allowed-rule'
  | 'not-copied'
  | 'backups'
  | 'journey';

/** One broken rule of one request. */
export interface OutcomeProblem {
  requestId: string;
  kind: OutcomeProblemKind;
  detail: string;
}

/** How many of `ids` are missing or not yet in a terminal status. */
export async function unfinishedCount(db: Client, ids: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM backup_request
      WHERE backup_request_id = ANY($1::uuid[])
        AND status_type_code IN ('NotAllowed', 'Succeeded', 'Failed')`,
    [ids],
  );
  return ids.length - (rows[0]?.n ?? 0);
}

/** What is wrong with one stored journey: it must be Received first, then legal forward moves. */
export function journeyProblems(id: string, status: string, moves: readonly MoveRow[]): string[] {
  const [first, ...rest] = moves;
  const problems: string[] = [];
  if (!first || first.from_status_type_code !== null || first.to_status_type_code !== 'Received') {
    problems.push(`${id}: history does not start with the creation as Received`);
  }
  let previous = first?.to_status_type_code;
  for (const { from_status_type_code: from, to_status_type_code: to } of rest) {
    if (from !== previous) problems.push(`${id}: move from ${from} after reaching ${previous}`);
    if (!isRequestStatus(from) || !isRequestStatus(to)) {
      problems.push(`${id}: move ${from} -> ${to} names an unknown status`);
    } else if (isResendEntry(from, to)) {
      // A resend after the reply deadline: recorded, not a move.
    } else if (!isLegalStatusMove(from, to) || STATUS_RANK[to] <= STATUS_RANK[from]) {
      problems.push(`${id}: illegal move ${from} -> ${to}`);
    }
    previous = to;
  }
  if (previous !== status) problems.push(`${id}: history ends at ${previous}, status is ${status}`);
  return problems;
}

/** Groups rows by request id, keeping their order. */
export function groupByRequest<T extends { backup_request_id: string }>(
  rows: readonly T[],
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.backup_request_id) ?? [];
    group.push(row);
    groups.set(row.backup_request_id, group);
  }
  return groups;
}

/** Reads the rows `checkOutcomes` needs for `ids`. */
export async function readOutcomeRows(db: Client, ids: readonly string[]): Promise<OutcomeRows> {
  const requests = await db.query<RequestRow>(
    `SELECT backup_request_id, backup_job_id, status_type_code, backup_provider_code,
            storage_path_name
       FROM backup_request WHERE backup_request_id = ANY($1::uuid[])`,
    [ids],
  );
  const backups = await db.query<BackupCountRow>(
    `SELECT b.backup_request_id, count(*)::int AS n,
            bool_and(b.backup_job_id = r.backup_job_id) AS same_job
       FROM backup b JOIN backup_request r USING (backup_request_id)
      WHERE b.backup_request_id = ANY($1::uuid[]) GROUP BY b.backup_request_id`,
    [ids],
  );
  const history = await db.query<MoveRow>(
    `SELECT backup_request_id, from_status_type_code, to_status_type_code
       FROM backup_request_status_history WHERE backup_request_id = ANY($1::uuid[])
      ORDER BY backup_request_id, status_history_id`,
    [ids],
  );
  return { requests: requests.rows, backups: backups.rows, moves: history.rows };
}

/**
 * Checks every accepted request against SPEC §1 (pure, over rows already read): it exists for
 * the job it was posted for and is terminal; NotAllowed exactly when its job is inactive or
 * unknown; an allowed one carries its job's provider and storage path; it has one Backup
 * exactly when Succeeded; its status history is a legal path, strictly forward, ending at
 * its status.
 */
export function checkOutcomes(
  rows: OutcomeRows,
  accepted: readonly AcceptedRequest[],
  jobs: readonly BackupJob[],
): { problems: OutcomeProblem[]; summary: OutcomeSummary } {
  const rowsById = new Map(rows.requests.map((row) => [row.backup_request_id, row]));
  const backupsById = new Map(rows.backups.map((row) => [row.backup_request_id, row]));
  const movesById = groupByRequest(rows.moves);
  const activeJobs = new Map(jobs.filter((j) => j.isActive).map((j) => [j.backupJobId, j]));
  const summary: OutcomeSummary = { NotAllowed: 0, Succeeded: 0, Failed: 0, backups: 0 };
  const problems: OutcomeProblem[] = [];
  const add = (requestId: string, kind: OutcomeProblemKind, detail: string) =>
    problems.push({ requestId, kind, detail });
  for (const { backupRequestId: id, backupJobId } of accepted) {
    const row = rowsById.get(id);
    if (!row) {
      add(id, 'not-stored', `${id}: accepted but not stored`);
      continue;
    }
    const status = row.status_type_code;
    if (row.backup_job_id !== backupJobId)
      add(id, 'wrong-job', `${id}: stored for ${row.backup_job_id}`);
    if (!isRequestStatus(status) || !isTerminalStatus(status)) {
      add(id, 'not-terminal', `${id}: not terminal (${status})`);
    } else {
      summary[status as Exclude<RequestStatus, 'Received' | 'Allowed' | 'Sent'>] += 1;
    }
    const job = activeJobs.get(backupJobId);
    if (
      (status === 'NotAllowed') !== (job === undefined) &&
      isRequestStatus(status) &&
      isTerminalStatus(status)
    ) {
      add(
        id,
        'allowed-rule',
        `${id}: ${status} for ${job ? 'an active' : 'an inactive or unknown'} job`,
      );
    }
    if (
      job &&
      status !== 'Received' &&
      (row.backup_provider_code !== job.backupProviderCode ||
        row.storage_path_name !== job.storagePathName)
    ) {
      add(id, 'not-copied', `${id}: provider/storage not copied from ${backupJobId}`);
    }
    const backup = backupsById.get(id);
    summary.backups += backup?.n ?? 0;
    if ((status === 'Succeeded') !== (backup?.n === 1) || (backup && !backup.same_job)) {
      add(
        id,
        'backups',
        `${id}: ${status} with ${backup?.n ?? 0} Backup(s) (same job: ${backup?.same_job})`,
      );
    }
    for (const detail of journeyProblems(id, status, movesById.get(id) ?? [])) {
      add(id, 'journey', detail);
    }
  }
  return { problems, summary };
}

/** Reads and checks in one go (see `checkOutcomes`); problems as one line each. */
export async function outcomeViolations(
  db: Client,
  accepted: readonly AcceptedRequest[],
  jobs: readonly BackupJob[],
): Promise<{ problems: string[]; summary: OutcomeSummary }> {
  const rows = await readOutcomeRows(
    db,
    accepted.map((r) => r.backupRequestId),
  );
  const { problems, summary } = checkOutcomes(rows, accepted, jobs);
  return { problems: problems.map((p) => p.detail), summary };
}

/** Rows still waiting in the outbox (every committed message must have been published). */
export async function outboxBacklog(db: Client): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  return rows[0]?.n ?? -1;
}
