import { newBackupRequest, type NewBackupRequestInput } from '../../backup-request/backup-request';
import { EVENT_TYPES } from '../../messages/event-types';
import { requestEvent } from '../../messages/outbox-message';
import type { Clock } from '../../ports/clock.port';
import type { IdGenerator } from '../../ports/id-generator.port';
import type { BackupRequestRepository, CreateOutcome } from '../../ports/backup-request.repository';

/** Dependencies of intake. */
export interface ReceiveBackupRequestDeps {
  requests: BackupRequestRepository;
  ids: IdGenerator;
  clock: Clock;
}

/** A new request as the caller sent it, with its optional Idempotency-Key. */
export interface ReceiveBackupRequestInput extends NewBackupRequestInput {
  idempotencyKey?: string;
}

/** The fields that make two calls with one Idempotency-Key "the same request". */
export function requestFingerprint(input: NewBackupRequestInput): string {
  const fields = [input.backupJobId, input.dataDate, input.preparedDataPathName];
  // Only when present, so keys stored before callbacks existed keep their fingerprints.
  if (input.callbackUrl) fields.push(input.callbackUrl);
  return JSON.stringify(fields);
}

/**
 * Intake: validates, stores the request as Received together with its
 * `backup-request.received` outbox message, and returns it. A repeated call with the same
 * Idempotency-Key returns the original request instead of creating a second one.
 */
export async function receiveBackupRequest(
  deps: ReceiveBackupRequestDeps,
  input: ReceiveBackupRequestInput,
): Promise<CreateOutcome> {
  const now = deps.clock.now();
  const request = newBackupRequest(deps.ids.newId(), input, now);
  const outbox = [requestEvent(EVENT_TYPES.received, request, null, now)];
  const idempotency =
    input.idempotencyKey === undefined
      ? undefined
      : {
          requesterId: input.requesterId,
          key: input.idempotencyKey,
          fingerprint: requestFingerprint(input),
        };
  return deps.requests.create(request, outbox, idempotency);
}
