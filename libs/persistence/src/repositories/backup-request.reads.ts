import {
  REQUEST_STATUSES,
  type BackupRequest,
  type RequestStatus,
  type StatusHistoryEntry,
} from '@linebacker/domain';
import type { Database, Session } from '../database';
import type { BackupRequestRow } from '../schema/backup-request.schema';
import type { StatusHistoryRow } from '../schema/status-history.schema';
import { HISTORY_TABLE, hydrate, REQUEST_TABLE } from '../schema/table';
import {
  Coalescer,
  settle,
  type BatchObserver,
  type CoalescerOptions,
  type Settled,
} from './coalescer';
import { lookupId } from './lookup-id';
import { COUNT_BY_STATUS_SQL, FIND_REQUEST_SQL, FIND_REQUESTS_SQL, HISTORY_SQL } from './reads.sql';

/** A request as the domain sees it: the row without recovery's and the sender's bookkeeping. */
export const toRequest = ({
  redrivenTimestamp: _redriven,
  replyResendCount: _resends,
  replyResentTimestamp: _resent,
  sendClaimToken: _token,
  sendClaimExpiresTimestamp: _expires,
  ...request
}: BackupRequestRow): BackupRequest => request;

const toHistoryEntry = ({ statusHistoryId: _, ...entry }: StatusHistoryRow): StatusHistoryEntry =>
  entry;

/**
 * One request by id, as plain SQL: every pipeline step reads its request first, and
 * TypeORM's `findOne` spends more CPU building and mapping the query than the query costs.
 */
export async function findRequest(session: Session, id: string): Promise<BackupRequest | null> {
  const [row] = await session.prepared(FIND_REQUEST_SQL, [id]);
  return row ? toRequest(hydrate(REQUEST_TABLE, row)) : null;
}

/** Several requests by id in one statement, each id's request or null. */
async function findRequests(
  session: Session,
  ids: readonly string[],
): Promise<Array<BackupRequest | null>> {
  const rows = await session.prepared(FIND_REQUESTS_SQL, [ids]);
  const byId = new Map<string, BackupRequest>();
  for (const row of rows) {
    const request = toRequest(hydrate(REQUEST_TABLE, row));
    byId.set(request.backupRequestId, request);
  }
  return ids.map((id) => byId.get(id) ?? null);
}

/** The reads of BackupRequestRepository; `findById`s that arrive together share a statement. */
export class BackupRequestReads {
  private readonly batches: Coalescer<string, BackupRequest | null> | null;

  constructor(
    private readonly database: Database,
    batching: CoalescerOptions | false,
    private readonly observer: BatchObserver,
  ) {
    this.batches = batching
      ? new Coalescer(
          (ids) => this.findBatch(ids),
          (id) => id,
          batching,
          observer.started,
        )
      : null;
  }

  /** The request, or null; an empty or missing id throws ValidationError. */
  async findById(backupRequestId: string): Promise<BackupRequest | null> {
    const id = lookupId(backupRequestId, 'backupRequestId');
    if (id === null) return null;
    if (this.batches) return this.batches.run(id);
    return this.database.withSession((session) => findRequest(session, id));
  }

  /** A failed read batch fails every read in it, each caller getting the error. */
  private async findBatch(ids: string[]): Promise<Settled<BackupRequest | null>[]> {
    if (ids.length === 1) {
      const id = ids[0] as string;
      return [await settle(this.database.withSession((session) => findRequest(session, id)))];
    }
    try {
      const found = await this.database.withSession((session) => findRequests(session, ids));
      return found.map((value) => ({ ok: true, value }));
    } catch (error) {
      this.observer.failed(error, ids.length);
      return ids.map(() => ({ ok: false, error }));
    }
  }

  /** The request's status changes, oldest first; empty for an unknown id. */
  async history(backupRequestId: string): Promise<StatusHistoryEntry[]> {
    const id = lookupId(backupRequestId, 'backupRequestId');
    if (id === null) return [];
    const rows = await this.database.query(HISTORY_SQL, [id]);
    return rows.map((row) => toHistoryEntry(hydrate(HISTORY_TABLE, row)));
  }

  /** Requests per status (a grouped count over the table; every status present). */
  async countByStatus(): Promise<Record<RequestStatus, number>> {
    const rows = await this.database.query(COUNT_BY_STATUS_SQL);
    const counts = Object.fromEntries(REQUEST_STATUSES.map((status) => [status, 0])) as Record<
      RequestStatus,
      number
    >;
    for (const row of rows) counts[row['status'] as RequestStatus] = Number(row['count']);
    return counts;
  }
}
