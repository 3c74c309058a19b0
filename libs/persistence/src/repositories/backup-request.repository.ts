import type {
  BackupRequest,
  BackupRequestRepository,
  CreateOutcome,
  IdempotencyRecord,
  OutboxMessage,
  OverdueReplies,
  OverdueReplyQuery,
  RequestStatus,
  SendClaim,
  StalledQuery,
  StatusChange,
  StatusHistoryEntry,
} from '@linebacker/domain';
import type { Database } from '../database';
import { StatusChangeWriter } from './backup-request.change-writer';
import { BackupRequestIntake } from './backup-request.intake';
import { BackupRequestReads } from './backup-request.reads';
import { claimOverdueReplies } from './backup-request.reply-deadline';
import type { BatchObserver, CoalescerOptions } from './coalescer';

/** The kinds of group-commit batch: keyless creates, status changes, reads by id, send claims. */
export type BatchKind = 'creates' | 'changes' | 'reads' | 'claims';

/** A group-commit batch that failed as a whole: which kind, how many calls, and why. */
export interface BatchFailure {
  kind: BatchKind;
  size: number;
  error: unknown;
}

/** Options of {@link PostgresBackupRequestRepository}. */
export interface BackupRequestRepositoryOptions {
  /** Recorded as `by` on the history row that `create` writes. Default `http-receiver`. */
  service?: string;
  /** How long intake waits on another uncommitted call with the same key. Default 2000. */
  idempotencyLockTimeoutMs?: number;
  /**
   * Called (synchronously, errors ignored) after a commit that wrote outbox rows, so an
   * in-process relay can publish at once instead of waiting for its next poll.
   */
  onOutboxWritten?: () => void;
  /**
   * Called (synchronously, errors ignored) when a batch fails as a whole, for the log and
   * the metrics. Every call in it still gets its own outcome: the creates and changes of a
   * failed batch run again one by one, and the reads and send claims of one fail each with
   * its error.
   */
  onBatchFailure?: (failure: BatchFailure) => void;
  /**
   * Called (synchronously, errors ignored) as each group-commit batch starts, with its kind
   * and how many calls it holds: how well the calls coalesce under the load there is.
   */
  onBatch?: (kind: BatchKind, size: number) => void;
  /**
   * Group commit: the reads (or status changes) asked for in one event-loop turn go together,
   * and while `maxInFlight` batches are running, further ones wait and then go together, up to
   * `maxBatch` in one statement. Default 2 and 50; `false` runs every call on its own. Send
   * claims run one batch at a time, up to `maxBatch`.
   */
  batching?: CoalescerOptions | false;
}

/** Batches of each kind running at once, and their largest size, unless configured. */
export const DEFAULT_BATCHING: CoalescerOptions = { maxInFlight: 2, maxBatch: 50 };

/** Calls a hook whose failure must not fail the caller: the write has committed already. */
function quietly<A extends unknown[]>(hook: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    hook?.(...args);
  } catch {
    // A signal for the relay or the logs only; the relay polls anyway.
  }
}

/**
 * BackupRequestRepository on PostgreSQL; see the port for the contract of each method. One
 * part per job: intake (create, idempotency), the change writer (status changes with group
 * commit, recovery's claims) and the reads.
 */
export class PostgresBackupRequestRepository implements BackupRequestRepository {
  private readonly intake: BackupRequestIntake;
  private readonly writer: StatusChangeWriter;
  private readonly reads: BackupRequestReads;
  private readonly outboxWritten: (count: number) => void;

  constructor(
    private readonly database: Database,
    options: BackupRequestRepositoryOptions = {},
  ) {
    const batching = options.batching ?? DEFAULT_BATCHING;
    const outboxWritten = (count: number) => {
      if (count > 0) quietly(options.onOutboxWritten);
    };
    const observe = (kind: BatchKind): BatchObserver => ({
      started: (size) => quietly(options.onBatch, kind, size),
      failed: (error, size) => quietly(options.onBatchFailure, { kind, size, error }),
    });
    this.intake = new BackupRequestIntake(database, {
      service: options.service ?? 'http-receiver',
      lockTimeoutMs: options.idempotencyLockTimeoutMs ?? 2000,
      outboxWritten,
      batching,
      batches: observe('creates'),
    });
    this.writer = new StatusChangeWriter(database, {
      batching,
      outboxWritten,
      changes: observe('changes'),
      claims: observe('claims'),
    });
    this.reads = new BackupRequestReads(database, batching, observe('reads'));
    this.outboxWritten = outboxWritten;
  }

  /** The request, or null; an empty or missing id throws ValidationError. */
  findById(backupRequestId: string): Promise<BackupRequest | null> {
    return this.reads.findById(backupRequestId);
  }

  /** Stores the request, its history row, outbox rows and key in one statement. */
  create(
    request: BackupRequest,
    outbox: OutboxMessage[],
    idempotency?: IdempotencyRecord,
  ): Promise<CreateOutcome> {
    return this.intake.create(request, outbox, idempotency);
  }

  /** Applies the change if the status is still `from` (see StatusChangeWriter). */
  applyChange(change: StatusChange): Promise<'applied' | 'conflict'> {
    return this.writer.applyChange(change);
  }

  /** Claims, marks and re-drives stalled requests in one transaction, oldest first. */
  claimStalled(
    query: StalledQuery,
    redrive: (request: BackupRequest) => OutboxMessage[],
  ): Promise<BackupRequest[]> {
    return this.writer.claimStalled(query, redrive);
  }

  /** Claims overdue Sent requests and re-sends those with resends left (ADR 0210). */
  async claimOverdueReplies(
    query: OverdueReplyQuery,
    resend: (request: BackupRequest, resendNumber: number) => OutboxMessage,
  ): Promise<OverdueReplies> {
    const { written, ...found } = await claimOverdueReplies(this.database, query, resend);
    this.outboxWritten(written);
    return found;
  }

  /** Claims the send of an Allowed request (group commit); true for exactly one racing claimant. */
  claimSend(claim: SendClaim): Promise<boolean> {
    return this.writer.claimSend(claim);
  }

  /** Gives up a send claim that `token` holds. */
  releaseSend(backupRequestId: string, token: string): Promise<void> {
    return this.writer.releaseSend(backupRequestId, token);
  }

  /** The request's status changes, oldest first; empty for an unknown id. */
  history(backupRequestId: string): Promise<StatusHistoryEntry[]> {
    return this.reads.history(backupRequestId);
  }

  /** Requests per status (a grouped count over the table; every status present). */
  countByStatus(): Promise<Record<RequestStatus, number>> {
    return this.reads.countByStatus();
  }
}
