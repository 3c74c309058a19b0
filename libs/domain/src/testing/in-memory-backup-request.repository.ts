import type { Backup } from '../backup/backup';
import type { BackupRequest } from '../backup-request/backup-request';
import { REQUEST_STATUSES, type RequestStatus } from '../backup-request/request-status';
import { checkStatusChange } from '../backup-request/status-change-check';
import { IdempotencyKeyReusedError, ValidationError } from '../errors/domain-errors';
import { PermanentError } from '../errors/linebacker-error';
import type { OutboxMessage } from '../messages/outbox-message';
import type {
  BackupRepository,
  BackupRequestRepository,
  CreateOutcome,
  IdempotencyRecord,
  OverdueReplies,
  OverdueReplyQuery,
  SendClaim,
  StalledQuery,
  StatusChange,
  StatusHistoryEntry,
} from '../ports/backup-request.repository';

/** The repository operations a test can make fail with `failNext`. */
export type RepositoryOperation =
  | 'findById'
  | 'create'
  | 'applyChange'
  | 'claimStalled'
  | 'claimOverdueReplies'
  | 'claimSend'
  | 'releaseSend'
  | 'history'
  | 'countByStatus'
  | 'findByRequestId';

interface StoredRequest {
  request: BackupRequest;
  /** When recovery last re-drove the request (the `redriven_at` column). */
  redrivenAt: Date | null;
  /** Resends after a reply deadline (`reply_resend_count`). */
  replyResends: number;
  /** When the last resend was decided (`reply_resent_timestamp`). */
  replyResentAt: Date | null;
  /** The send claim, if one was taken and not released (it may have lapsed). */
  sendClaim: { token: string; expiresAt: Date } | null;
}

/** Like the PostgreSQL adapter: a missing id would match every row there, so it is refused. */
function requireId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError('backupRequestId must be a non-empty string', 'backupRequestId');
  }
  return value;
}

/** The patch without the fields it leaves undefined (PostgreSQL leaves those columns as they are). */
const definedFields = (patch: object): object =>
  Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));

const idempotencyKeyOf = (record: IdempotencyRecord): string =>
  JSON.stringify([record.requesterId, record.key]);

/**
 * Both repository ports in memory, with the rules the PostgreSQL schema enforces: a
 * compare-and-set on the status, one Backup per request, one Idempotency-Key per requester,
 * and every write of one call committed together or not at all. Values are copied in and
 * out, so callers never share objects with the store, as with a real database.
 *
 * Deviations: `create` is atomic here, so IdempotencyKeyInFlightError only happens when a
 * test injects it with `failNext('create', …)`; `claimStalled` has no other instance holding
 * row locks, so it never skips a row for that reason.
 */
export class InMemoryBackupRequestRepository implements BackupRequestRepository, BackupRepository {
  /** Every outbox message committed, in commit order (nothing publishes or removes them). */
  readonly outbox: OutboxMessage[] = [];
  private readonly requests = new Map<string, StoredRequest>();
  private readonly historyRows: StatusHistoryEntry[] = [];
  private readonly backups = new Map<string, Backup>();
  private readonly idempotencyKeys = new Map<string, { fingerprint: string; requestId: string }>();
  private readonly failures = new Map<RepositoryOperation, unknown[]>();

  /** `intakeBy` is the service name written in the history row that `create` adds. */
  constructor(private readonly intakeBy = 'intake') {}

  /** Makes the next call of `operation` throw `error` without touching the store. */
  failNext(operation: RepositoryOperation, error: unknown): void {
    const queued = this.failures.get(operation) ?? [];
    this.failures.set(operation, [...queued, error]);
  }

  async findById(backupRequestId: string): Promise<BackupRequest | null> {
    this.throwInjected('findById');
    const stored = this.requests.get(requireId(backupRequestId));
    return stored ? structuredClone(stored.request) : null;
  }

  async create(
    request: BackupRequest,
    outbox: OutboxMessage[],
    idempotency?: IdempotencyRecord,
  ): Promise<CreateOutcome> {
    this.throwInjected('create');
    const previous = idempotency && this.idempotencyKeys.get(idempotencyKeyOf(idempotency));
    if (idempotency && previous) {
      if (previous.fingerprint !== idempotency.fingerprint) {
        throw new IdempotencyKeyReusedError(idempotency.key);
      }
      return { outcome: 'replayed', request: this.mustGet(previous.requestId) };
    }
    if (this.requests.has(request.backupRequestId)) {
      // A primary-key violation: ids are generated, so this is a bug in the caller.
      throw new PermanentError(
        'DuplicateBackupRequestId',
        `backup request ${request.backupRequestId} already exists`,
      );
    }
    this.requests.set(request.backupRequestId, {
      request: structuredClone(request),
      redrivenAt: null,
      replyResends: 0,
      replyResentAt: null,
      sendClaim: null,
    });
    this.historyRows.push({
      backupRequestId: request.backupRequestId,
      fromStatus: null,
      toStatus: request.statusTypeCode,
      at: new Date(request.receivedTimestamp),
      by: this.intakeBy,
      messageId: null,
    });
    this.outbox.push(...structuredClone(outbox));
    if (idempotency) {
      this.idempotencyKeys.set(idempotencyKeyOf(idempotency), {
        fingerprint: idempotency.fingerprint,
        requestId: request.backupRequestId,
      });
    }
    return { outcome: 'created', request: structuredClone(request) };
  }

  /**
   * The compare-and-set: 'conflict' when the request is missing or not in `change.from`.
   * A second Backup for one request is also 'conflict': in PostgreSQL it violates the unique
   * key on `backup_request_id` and rolls the whole change back, and it means the same as a
   * lost compare-and-set (another writer recorded the outcome first), so the caller re-reads.
   */
  async applyChange(change: StatusChange): Promise<'applied' | 'conflict'> {
    this.throwInjected('applyChange');
    requireId(change.backupRequestId);
    checkStatusChange(change);
    const stored = this.requests.get(change.backupRequestId);
    if (!stored || stored.request.statusTypeCode !== change.from) return 'conflict';
    if (change.backup && this.backups.has(change.backup.backupRequestId)) return 'conflict';
    stored.request = {
      ...stored.request,
      ...structuredClone(definedFields(change.patch)),
      statusTypeCode: change.to,
      statusTimestamp: new Date(change.at),
    };
    this.historyRows.push({
      backupRequestId: change.backupRequestId,
      fromStatus: change.from,
      toStatus: change.to,
      at: new Date(change.at),
      by: change.by,
      messageId: change.messageId,
    });
    if (change.backup) {
      this.backups.set(change.backup.backupRequestId, structuredClone(change.backup));
    }
    this.outbox.push(...structuredClone(change.outbox));
    return 'applied';
  }

  /**
   * Claims, oldest status change first, up to `limit` requests in one of `statuses` whose
   * status changed before `changedBefore` and that were never re-driven or re-driven before
   * `redrivenBefore` (both bounds exclusive); marks them re-driven at `now` and stores the
   * messages `redrive` builds. If `redrive` throws, nothing is marked or stored.
   */
  async claimStalled(
    query: StalledQuery,
    redrive: (request: BackupRequest) => OutboxMessage[],
  ): Promise<BackupRequest[]> {
    this.throwInjected('claimStalled');
    const claimed = [...this.requests.values()]
      .filter(
        ({ request, redrivenAt }) =>
          query.statuses.includes(request.statusTypeCode) &&
          request.statusTimestamp.getTime() < query.changedBefore.getTime() &&
          (redrivenAt === null || redrivenAt.getTime() < query.redrivenBefore.getTime()),
      )
      .sort((a, b) => a.request.statusTimestamp.getTime() - b.request.statusTimestamp.getTime())
      .slice(0, Math.max(0, query.limit));
    const messages = claimed.flatMap(({ request }) => redrive(structuredClone(request)));
    for (const stored of claimed) stored.redrivenAt = new Date(query.now);
    this.outbox.push(...structuredClone(messages));
    return claimed.map(({ request }) => structuredClone(request));
  }

  /**
   * Finds `Sent` requests whose last send or resend (`replyResentAt`, else
   * `sentToInterfaceTimestamp`, else `statusTimestamp`) is before `sentBefore`, oldest first,
   * up to `limit`. Those with fewer than `maxResends` resends get one more, stamped at `now`,
   * a history row Sent→Sent carrying the message's id, and the message. If `resend` throws,
   * nothing is written.
   */
  async claimOverdueReplies(
    query: OverdueReplyQuery,
    resend: (request: BackupRequest, resendNumber: number) => OutboxMessage,
  ): Promise<OverdueReplies> {
    this.throwInjected('claimOverdueReplies');
    const waitingSince = ({ request, replyResentAt }: StoredRequest): number =>
      (replyResentAt ?? request.sentToInterfaceTimestamp ?? request.statusTimestamp).getTime();
    const overdue = [...this.requests.values()]
      .filter((s) => s.request.statusTypeCode === 'Sent')
      .filter((s) => waitingSince(s) < query.sentBefore.getTime())
      .sort((a, b) => waitingSince(a) - waitingSince(b))
      .slice(0, Math.max(0, query.limit));
    const toResend = overdue.filter((s) => s.replyResends < query.maxResends);
    const messages = toResend.map((s) => resend(structuredClone(s.request), s.replyResends + 1));
    toResend.forEach((stored, n) => {
      stored.replyResends += 1;
      stored.replyResentAt = new Date(query.now);
      this.historyRows.push({
        backupRequestId: stored.request.backupRequestId,
        fromStatus: 'Sent',
        toStatus: 'Sent',
        at: new Date(query.now),
        by: query.by,
        messageId: messages[n]?.messageId ?? null,
      });
    });
    this.outbox.push(...structuredClone(messages));
    return {
      resent: toResend.map(({ request }) => structuredClone(request)),
      exhausted: overdue
        .filter((s) => s.replyResends >= query.maxResends && !toResend.includes(s))
        .map(({ request }) => structuredClone(request)),
    };
  }

  /** Like the conditional UPDATE in PostgreSQL: one claimant wins, a lapsed claim is free. */
  async claimSend(claim: SendClaim): Promise<boolean> {
    this.throwInjected('claimSend');
    const stored = this.requests.get(requireId(claim.backupRequestId));
    if (!stored || stored.request.statusTypeCode !== 'Allowed') return false;
    const held = stored.sendClaim;
    if (held && held.expiresAt.getTime() > claim.now.getTime()) return false;
    stored.sendClaim = { token: claim.token, expiresAt: new Date(claim.expiresAt) };
    return true;
  }

  async releaseSend(backupRequestId: string, token: string): Promise<void> {
    this.throwInjected('releaseSend');
    const stored = this.requests.get(requireId(backupRequestId));
    if (stored?.sendClaim?.token === token) stored.sendClaim = null;
  }

  async history(backupRequestId: string): Promise<StatusHistoryEntry[]> {
    this.throwInjected('history');
    const id = requireId(backupRequestId);
    return structuredClone(this.historyRows.filter((r) => r.backupRequestId === id));
  }

  async countByStatus(): Promise<Record<RequestStatus, number>> {
    this.throwInjected('countByStatus');
    const counts = Object.fromEntries(REQUEST_STATUSES.map((status) => [status, 0])) as Record<
      RequestStatus,
      number
    >;
    for (const { request } of this.requests.values()) counts[request.statusTypeCode] += 1;
    return counts;
  }

  async findByRequestId(backupRequestId: string): Promise<Backup | null> {
    this.throwInjected('findByRequestId');
    const backup = this.backups.get(requireId(backupRequestId));
    return backup ? structuredClone(backup) : null;
  }

  /** Every stored request, in creation order (for assertions). */
  allRequests(): BackupRequest[] {
    return [...this.requests.values()].map(({ request }) => structuredClone(request));
  }

  /** Every stored Backup (for assertions). */
  allBackups(): Backup[] {
    return [...this.backups.values()].map((backup) => structuredClone(backup));
  }

  /** When recovery last re-drove the request, or null (for assertions). */
  redrivenAt(backupRequestId: string): Date | null {
    const redrivenAt = this.requests.get(backupRequestId)?.redrivenAt ?? null;
    return redrivenAt && new Date(redrivenAt);
  }

  /** How many times the reply deadline re-sent the request (for assertions). */
  replyResends(backupRequestId: string): number {
    return this.requests.get(backupRequestId)?.replyResends ?? 0;
  }

  private mustGet(backupRequestId: string): BackupRequest {
    const stored = this.requests.get(backupRequestId);
    if (!stored) throw new Error(`idempotency key points at missing request ${backupRequestId}`);
    return structuredClone(stored.request);
  }

  private throwInjected(operation: RepositoryOperation): void {
    const queued = this.failures.get(operation);
    if (queued && queued.length > 0) throw queued.shift();
  }
}
