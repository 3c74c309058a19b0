import type { Backup } from '../backup/backup';
import type { BackupRequest, RequestPatch } from '../backup-request/backup-request';
import type { RequestStatus } from '../backup-request/request-status';
import type { OutboxMessage } from '../messages/outbox-message';

/** An Idempotency-Key as stored at intake: unique per requester. */
export interface IdempotencyRecord {
  requesterId: string;
  key: string;
  /** A digest of the request body; the same key with another body is a conflict. */
  fingerprint: string;
}

/** What `create` did: stored a new request, or found the one an earlier call with the key stored. */
export type CreateOutcome =
  { outcome: 'created'; request: BackupRequest } | { outcome: 'replayed'; request: BackupRequest };

/**
 * One status change, applied atomically: a compare-and-set on the status, the patch, the
 * history row, the optional Backup and the outbox messages commit together or not at all.
 */
export interface StatusChange {
  backupRequestId: string;
  from: RequestStatus;
  to: RequestStatus;
  at: Date;
  patch: RequestPatch;
  /** The service that made the change, for the history. */
  by: string;
  /** The message that caused the change, for the history (null for HTTP intake). */
  messageId: string | null;
  backup?: Backup;
  outbox: OutboxMessage[];
}

/** One row of a request's status history. */
export interface StatusHistoryEntry {
  backupRequestId: string;
  fromStatus: RequestStatus | null;
  toStatus: RequestStatus;
  at: Date;
  by: string;
  messageId: string | null;
}

/** Which stalled requests recovery claims in one round. */
export interface StalledQuery {
  statuses: readonly RequestStatus[];
  /** Requests whose status has not changed since this instant are stalled. */
  changedBefore: Date;
  /** A request re-driven after this instant is not claimed again in this round. */
  redrivenBefore: Date;
  limit: number;
  now: Date;
}

/** Which `Sent` requests recovery finds past their reply deadline in one batch. */
export interface OverdueReplyQuery {
  /** A request sent (or last re-sent) before this instant is overdue. */
  sentBefore: Date;
  /** An overdue request re-sent fewer times than this is re-sent; the others have used theirs up. */
  maxResends: number;
  limit: number;
  now: Date;
  /** The service that re-sends, for the history. */
  by: string;
}

/** The overdue requests one claim found: those it re-sent, and those out of resends. */
export interface OverdueReplies {
  resent: BackupRequest[];
  exhausted: BackupRequest[];
}

/**
 * A claim on sending one Allowed request to the interface (ADR 0212): while it holds, no
 * other handler may claim, so no other handler sends.
 */
export interface SendClaim {
  backupRequestId: string;
  /** Identifies this claim: only its holder releases it. */
  token: string;
  now: Date;
  /** The claim lapses at this instant (so a crashed sender's request can be sent again). */
  expiresAt: Date;
}

/** Persistence of the BackupRequest aggregate (implemented in libs/persistence). */
export interface BackupRequestRepository {
  findById(backupRequestId: string): Promise<BackupRequest | null>;
  /**
   * Stores a new request with its history row and outbox messages in one transaction.
   * With an idempotency record: the same key and fingerprint returns the stored request;
   * the same key with another fingerprint throws IdempotencyKeyReusedError; a concurrent
   * uncommitted call with the key throws IdempotencyKeyInFlightError.
   */
  create(
    request: BackupRequest,
    outbox: OutboxMessage[],
    idempotency?: IdempotencyRecord,
  ): Promise<CreateOutcome>;
  /** Applies the change if the status is still `from`; 'conflict' when another writer won. */
  applyChange(change: StatusChange): Promise<'applied' | 'conflict'>;
  /**
   * Claims stalled requests (row locks skip ones another instance holds), marks them
   * re-driven and writes the messages `redrive` builds for each, all in one transaction.
   */
  claimStalled(
    query: StalledQuery,
    redrive: (request: BackupRequest) => OutboxMessage[],
  ): Promise<BackupRequest[]>;
  /**
   * Claims overdue `Sent` requests, oldest deadline first (row locks skip ones another
   * instance holds). Each with resends left gets, in one transaction, its resend counted and
   * stamped (restarting its deadline), a history row Sent→Sent and the message `resend`
   * builds for its resend number (1 for the first), whose id the history row carries.
   * Requests out of resends are returned as found, unchanged.
   */
  claimOverdueReplies(
    query: OverdueReplyQuery,
    resend: (request: BackupRequest, resendNumber: number) => OutboxMessage,
  ): Promise<OverdueReplies>;

  /**
   * Claims the send of a request that is Allowed and holds no claim that lapses after
   * `claim.now`; true for exactly one of several racing claimants, false otherwise (another
   * live claim, another status, an unknown id).
   */
  claimSend(claim: SendClaim): Promise<boolean>;
  /** Gives up the claim `token` holds (a send that failed); nothing if it holds none. */
  releaseSend(backupRequestId: string, token: string): Promise<void>;
  history(backupRequestId: string): Promise<StatusHistoryEntry[]>;
  /** How many requests are in each status right now (every status present, 0 when none). */
  countByStatus(): Promise<Record<RequestStatus, number>>;
}

/** Read access to Backups. */
export interface BackupRepository {
  findByRequestId(backupRequestId: string): Promise<Backup | null>;
}
