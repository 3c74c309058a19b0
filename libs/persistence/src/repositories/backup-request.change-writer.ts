import {
  checkStatusChange,
  type BackupRequest,
  type OutboxMessage,
  type SendClaim,
  type StalledQuery,
  type StatusChange,
} from '@linebacker/domain';
import type { Database } from '../database';
import { passThrough } from '../database';
import { constraintOf, sqlStateOf } from '../pg-errors';
import { columnList, hydrate, REQUEST_TABLE } from '../schema/table';
import { toRequest } from './backup-request.reads';
import {
  Coalescer,
  togetherOrAlone,
  type BatchObserver,
  type CoalescerOptions,
  type Settled,
} from './coalescer';
import { compareIds, lookupId } from './lookup-id';
import { insertOutboxSql, outboxJson } from './outbox.sql';
import { CLAIM_SENDS_SQL, RELEASE_SEND_SQL } from './send-claim.sql';
import { APPLY_CHANGES_SQL, applyChangesParams } from './status-change.sql';

const { name: table, column } = REQUEST_TABLE;

/** Claims stalled requests: locks them (skipping rows others hold) and marks them re-driven. */
const CLAIM_STALLED_SQL = `UPDATE ${table} SET ${column.redrivenTimestamp} = $1
  WHERE ${column.backupRequestId} IN (
    SELECT ${column.backupRequestId} FROM ${table}
     WHERE ${column.statusTypeCode} = ANY($2::text[]) AND ${column.statusTimestamp} < $3
       AND (${column.redrivenTimestamp} IS NULL OR ${column.redrivenTimestamp} < $4)
     ORDER BY ${column.statusTimestamp}
     LIMIT $5
       FOR UPDATE SKIP LOCKED)
  RETURNING ${columnList(REQUEST_TABLE.columns)}`;

/** What the change writer needs besides the pool. */
export interface ChangeWriterSettings {
  /** Group commit bounds, or false for one statement per change. */
  batching: CoalescerOptions | false;
  /** Told how many outbox rows a commit wrote. */
  outboxWritten(count: number): void;
  /** Told of each batch of status changes (a failed one's changes are retried alone). */
  changes: BatchObserver;
  /** Told of each batch of send claims (a failed one gives each claimant the error). */
  claims: BatchObserver;
}

/** The writes to stored requests: status changes (group commit), recovery's and send claims. */
export class StatusChangeWriter {
  private readonly batches: Coalescer<StatusChange, 'applied' | 'conflict'> | null;
  private readonly claims: Coalescer<SendClaim, boolean> | null;

  constructor(
    private readonly database: Database,
    private readonly settings: ChangeWriterSettings,
  ) {
    const { batching } = settings;
    this.batches = batching
      ? new Coalescer(
          (batch) => this.applyBatch(batch),
          (c) => c.backupRequestId,
          batching,
          settings.changes.started,
        )
      : null;
    // Claims are keyed by their token, not their request: two claims of one request may share
    // a batch, which decides between them (claimBatch) instead of paying a round trip more.
    // One batch in flight at a time: a claim is one short UPDATE, and the pool's other
    // connections stay free for the reads and the status changes (a Sent commit must not
    // queue behind claims).
    this.claims = batching
      ? new Coalescer(
          (batch) => this.claimBatch(batch),
          (c) => c.token,
          { ...batching, maxInFlight: 1 },
          settings.claims.started,
        )
      : null;
  }

  /**
   * The whole change is one statement, alone or with the changes that arrived with it.
   * 'conflict' when the status is no longer `from`, and also when the request already has a
   * Backup: the unique constraint aborted the statement, so nothing of the change was
   * written. An illegal move or patch is refused before anything is sent.
   */
  async applyChange(change: StatusChange): Promise<'applied' | 'conflict'> {
    lookupId(change.backupRequestId, 'backupRequestId');
    checkStatusChange(change);
    return this.batches ? this.batches.run(change) : this.applyAlone(change);
  }

  /**
   * Changes that arrived together: one statement for all. If it fails, the failure is
   * reported and each change runs on its own, so an error (a second Backup, an outage) is
   * given to the change it belongs to and the others still apply.
   */
  private applyBatch(batch: StatusChange[]): Promise<Settled<'applied' | 'conflict'>[]> {
    return togetherOrAlone(
      batch,
      async (changes) => {
        const applied = await this.run(changes);
        return changes.map((_, n) => (applied.has(n) ? 'applied' : 'conflict'));
      },
      (change) => this.applyAlone(change),
      this.settings.changes,
    );
  }

  private async applyAlone(change: StatusChange): Promise<'applied' | 'conflict'> {
    try {
      return (await this.run([change])).has(0) ? 'applied' : 'conflict';
    } catch (error) {
      if (sqlStateOf(error) === '23505' && constraintOf(error) === 'uq_backup_backup_request_id') {
        return 'conflict';
      }
      throw error;
    }
  }

  /** Runs APPLY_CHANGES_SQL; the positions of the changes applied. */
  private async run(changes: readonly StatusChange[]): Promise<Set<number>> {
    const rows = await this.database.withSession((session) =>
      session.prepared(APPLY_CHANGES_SQL, applyChangesParams(changes)),
    );
    const applied = new Set(rows.map((row) => Number(row['n'])));
    const written = changes.filter((_, n) => applied.has(n));
    this.settings.outboxWritten(written.reduce((sum, change) => sum + change.outbox.length, 0));
    return applied;
  }

  /**
   * Claims the send (ADR 0212): true when this claimant got the row. Claims that arrive while
   * a claim statement runs go together as the next one, like status changes (group commit).
   */
  async claimSend(claim: SendClaim): Promise<boolean> {
    const id = lookupId(claim.backupRequestId, 'backupRequestId');
    if (id === null) return false;
    const checked = { ...claim, backupRequestId: id.toLowerCase() };
    if (this.claims) return this.claims.run(checked);
    const [result] = await this.claimBatch([checked]);
    if (!result?.ok) throw result?.error;
    return result.value;
  }

  /**
   * Claims a batch in one statement (CLAIM_SENDS_SQL). Of several claims of one request in
   * the batch only the first can win: the statement updates a row once, and had they run one
   * after another the first's claim (or whatever refused it) would have refused the others.
   * A failed statement fails every claim of the batch with its error, and is reported.
   */
  private async claimBatch(batch: SendClaim[]): Promise<Settled<boolean>[]> {
    const first = new Map<string, SendClaim>();
    for (const claim of batch) {
      if (!first.has(claim.backupRequestId)) first.set(claim.backupRequestId, claim);
    }
    const distinct = [...first.values()].sort((a, b) =>
      compareIds(a.backupRequestId, b.backupRequestId),
    );
    const params = [
      distinct.map((c) => c.backupRequestId),
      distinct.map((c) => c.token),
      distinct.map((c) => c.now),
      distinct.map((c) => c.expiresAt),
    ];
    try {
      const rows = await this.database.withSession((session) =>
        session.prepared(CLAIM_SENDS_SQL, params),
      );
      const won = new Set(rows.map((row) => String(row['backup_request_id'])));
      return batch.map((claim) => ({
        ok: true,
        value: first.get(claim.backupRequestId) === claim && won.has(claim.backupRequestId),
      }));
    } catch (error) {
      if (batch.length > 1) this.settings.claims.failed(error, batch.length);
      return batch.map(() => ({ ok: false, error }));
    }
  }

  /** Clears the claim if `token` still holds it. */
  async releaseSend(backupRequestId: string, token: string): Promise<void> {
    const id = lookupId(backupRequestId, 'backupRequestId');
    if (id === null) return;
    await this.database.query(RELEASE_SEND_SQL, [id, token]);
  }

  /** Claims, marks and re-drives stalled requests in one transaction, oldest first. */
  async claimStalled(
    query: StalledQuery,
    redrive: (request: BackupRequest) => OutboxMessage[],
  ): Promise<BackupRequest[]> {
    if (query.limit <= 0 || query.statuses.length === 0) return [];
    const { now, changedBefore, redrivenBefore, limit } = query;
    const params = [now, [...query.statuses], changedBefore, redrivenBefore, limit];
    const claimed = await this.database.inTransaction(async (session) => {
      const rows = await session.rows(CLAIM_STALLED_SQL, params);
      const requests = rows
        .map((row) => toRequest(hydrate(REQUEST_TABLE, row)))
        .sort((a, b) => a.statusTimestamp.getTime() - b.statusTimestamp.getTime());
      const messages = await passThrough(async () => requests.flatMap(redrive));
      if (messages.length > 0) await session.rows(insertOutboxSql('$1'), [outboxJson(messages)]);
      return { requests, written: messages.length };
    });
    this.settings.outboxWritten(claimed.written);
    return claimed.requests;
  }
}
