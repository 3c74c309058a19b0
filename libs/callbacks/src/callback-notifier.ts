import {
  PermanentError,
  type BackupRepository,
  type BackupRequest,
  type Clock,
  type EndStateNotifier,
} from '@linebacker/domain';
import { parseSigningKeys, type SigningKey } from './callback-config';
import { callbackDocument, callbackEventId } from './callback-document';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signCallback } from './callback-signature';
import type { HttpCallbackSender } from './http-callback-sender';

/** What the callback notifier is built from. */
export interface CallbackNotifierDeps {
  sender: HttpCallbackSender;
  backups: BackupRepository;
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
    const timestamp = Math.floor(this.deps.clock.now().getTime() / 1000);
    await this.deps.sender.send(
      request.requesterId,
      request.callbackUrl,
      {
        'content-type': 'application/json',
        'user-agent': 'linebacker-callbacks',
        [EVENT_ID_HEADER]: callbackEventId(request),
        [SIGNATURE_HEADER]: signCallback(body, key, timestamp),
      },
      body,
    );
  }

  /** Stops the sender's breakers. */
  close(): void {
    this.deps.sender.close();
  }
}
