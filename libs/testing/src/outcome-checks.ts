import type { Client } from 'pg';
import {
  isRequestStatus,
  isTerminalStatus,
  STATUS_RANK,
  type BackupJob,
  type RequestStatus,
} from '@linebacker/domain';
import { isLegalStatusMove } from '@linebacker/domain/testing';
import type { AcceptedRequest } from './traffic';

/** How many requests ended where, and how many Backups exist for them. */
export interface OutcomeSummary {
  NotAllowed: number;
  Succeeded: number;
  Failed: number;
  backups: number;
}

interface RequestRow {
  backup_request_id: string;
  backup_job_id: string;
  status_type_code: string;
  backup_provider_code: string | null;
  storage_path_name: string | null;
}

interface MoveRow {
  backup_request_id: string;
  from_status_type_code: string | null;
  to_status_type_code: string;
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
function journeyProblems(id: string, status: string, moves: readonly MoveRow[]): string[] {
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
    } else if (!isLegalStatusMove(from, to) || STATUS_RANK[to] <= STATUS_RANK[from]) {
      problems.push(`${id}: illegal move ${from} -> ${to}`);
    }
    previous = to;
  }
  if (previous !== status) problems.push(`${id}: history ends at ${previous}, status is ${status}`);
  return problems;
}

const groupBy = <T extends { backup_request_id: string }>(rows: readonly T[]) => {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.backup_request_id) ?? [];
    group.push(row);
    groups.set(row.backup_request_id, group);
  }
  return groups;
};

/**
 * Checks every accepted request against SPEC §1 in the database: it exists for the job it
 * was posted for and is terminal; NotAllowed exactly when its job is inactive or unknown;
 * an allowed one carries its job's provider and storage path; it has one Backup exactly
 * when Succeeded; its status history is a legal path, strictly forward, ending at its status.
 */
export async function outcomeViolations(
  db: Client,
  accepted: readonly AcceptedRequest[],
  jobs: readonly BackupJob[],
): Promise<{ problems: string[]; summary: OutcomeSummary }> {
  const ids = accepted.map((r) => r.backupRequestId);
  const requests = await db.query<RequestRow>(
    `SELECT backup_request_id, backup_job_id, status_type_code, backup_provider_code,
            storage_path_name
       FROM backup_request WHERE backup_request_id = ANY($1::uuid[])`,
    [ids],
  );
  const backups = await db.query<{ backup_request_id: string; n: number; same_job: boolean }>(
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
  const rowsById = new Map(requests.rows.map((row) => [row.backup_request_id, row]));
  const backupsById = new Map(backups.rows.map((row) => [row.backup_request_id, row]));
  const movesById = groupBy(history.rows);
  const activeJobs = new Map(jobs.filter((j) => j.isActive).map((j) => [j.backupJobId, j]));
  const summary: OutcomeSummary = { NotAllowed: 0, Succeeded: 0, Failed: 0, backups: 0 };
  const problems: string[] = [];
  for (const { backupRequestId: id, backupJobId } of accepted) {
    const row = rowsById.get(id);
    if (!row) {
      problems.push(`${id}: accepted but not stored`);
      continue;
    }
    const status = row.status_type_code;
    if (row.backup_job_id !== backupJobId) problems.push(`${id}: stored for ${row.backup_job_id}`);
    if (!isRequestStatus(status) || !isTerminalStatus(status)) {
      problems.push(`${id}: not terminal (${status})`);
    } else {
      summary[status as Exclude<RequestStatus, 'Received' | 'Allowed' | 'Sent'>] += 1;
    }
    const job = activeJobs.get(backupJobId);
    if ((status === 'NotAllowed') !== (job === undefined)) {
      problems.push(`${id}: ${status} for ${job ? 'an active' : 'an inactive or unknown'} job`);
    }
    if (
      job &&
      (row.backup_provider_code !== job.backupProviderCode ||
        row.storage_path_name !== job.storagePathName)
    ) {
      problems.push(`${id}: provider/storage not copied from ${backupJobId}`);
    }
    const backup = backupsById.get(id);
    summary.backups += backup?.n ?? 0;
    if ((status === 'Succeeded') !== (backup?.n === 1) || (backup && !backup.same_job)) {
      problems.push(
        `${id}: ${status} with ${backup?.n ?? 0} Backup(s) (same job: ${backup?.same_job})`,
      );
    }
    problems.push(...journeyProblems(id, status, movesById.get(id) ?? []));
  }
  return { problems, summary };
}

/** Rows still waiting in the outbox (every committed message must have been published). */
export async function outboxBacklog(db: Client): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  return rows[0]?.n ?? -1;
}
