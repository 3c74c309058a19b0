import {
  PermanentError,
  type BackupRepository,
  type BackupRequest,
  type CallbackAttemptLog,
  type Clock,
  type EndStateNotifier,
} from '@linebacker/domain';
import { parseSigningKeys, type SigningKey } from './callback-config';
import { callbackDocument, callbackEventId } from './callback-document';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signCallback } from './callback-signature';
import type { CallbackAttempt, HttpCallbackSender } from './http-callback-sender';

/** What the callback notifier is built from. */
export interface CallbackNotifierDeps {
  sender: HttpCallbackSender;
  backups: BackupRepository;
  /** Where each attempt is kept for the request's view. */
  attempts: CallbackAttemptLog;
  clock: Clock;
  /** LINEBACKER_CALLBACK_SECRETS as configured (JSON). */
  signingKeys: string;
}

/**
 * POSTs a request's end state to its callback URL, signed with the newest key of its client
 * (ADR 0214). Each attempt signs afresh with the current time, so a retried or replayed
 * callback carries a fresh timestamp and the same event id.
 */
export class CallbackNotifier implements EndStateNotifier {
  private readonly keys: ReadonlyMap<string, readonly SigningKey[]>;

  constructor(private readonly deps: CallbackNotifierDeps) {
    this.keys = parseSigningKeys(deps.signingKeys);
  }

  /** Does nothing for a request without a callback. */
  async notify(request: BackupRequest): Promise<void> {
    if (request.callbackUrl === null) return;
    const key = this.keys.get(request.requesterId)?.[0];
    if (!key)
      throw new PermanentError(
        'CallbackKeyMissing',
        `no signing key for ${request.requesterId} in LINEBACKER_CALLBACK_SECRETS`,
      );
    const backup =
      request.statusTypeCode === 'Succeeded'
        ? await this.deps.backups.findByRequestId(request.backupRequestId)
        : null;
    const body = JSON.stringify(callbackDocument(request, backup));
    const attemptedAt = this.deps.clock.now();
    const timestamp = Math.floor(attemptedAt.getTime() / 1000);
    const eventId = callbackEventId(request);
    let observed: CallbackAttempt | undefined;
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'linebacker-callbacks',
      [EVENT_ID_HEADER]: eventId,
      [SIGNATURE_HEADER]: signCallback(body, key, timestamp),
    };
    try {
      await this.deps.sender.send(request.requesterId, request.callbackUrl, headers, body, (a) => {
        observed = a;
      });
    } catch (error) {
      // The delivery's error is what the dead letter must name: a failure to record the
      // attempt is not allowed to replace it (the next attempt records its own).
      await this.record(request, eventId, attemptedAt, observed).catch(() => undefined);
      throw error;
    }
    // Recorded only now: if this fails, the message is retried and the receiver sees the
    // same event id again, which it drops.
    await this.record(request, eventId, attemptedAt, observed);
  }

  private async record(
    request: BackupRequest,
    eventId: string,
    attemptedAt: Date,
    attempt: CallbackAttempt | undefined,
  ): Promise<void> {
    if (!attempt) return;
    await this.deps.attempts.record({
      backupRequestId: request.backupRequestId,
      eventId,
      attemptedAt,
      outcome: attempt.outcome,
      statusCode: attempt.statusCode ?? null,
      durationMs: attempt.durationMs,
      reason: attempt.reason ?? null,
    });
  }

  /** Stops the sender's breakers. */
  close(): void {
    this.deps.sender.close();
  }
}
