import { createHash } from 'node:crypto';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { EVENT_TYPES, PermanentError, type StoreStatusReply } from '@linebacker/domain';
import type { OutgoingMessage } from '@linebacker/messaging';
import { storeStatusReplySchema } from './payload-schemas';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateReply = ajv.compile<StoreStatusReply>(storeStatusReplySchema);

/** A reply from the backup interface that cannot be used; it is parked, never retried. */
export class InvalidInterfaceReplyError extends PermanentError {
  constructor(reason: string) {
    super('InvalidInterfaceReply', reason);
    this.name = 'InvalidInterfaceReplyError';
  }
}

/** Parses and validates a raw status reply from the backup interface's queue. */
export function parseInterfaceReply(body: Buffer | string): StoreStatusReply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (error) {
    throw new InvalidInterfaceReplyError(`not JSON: ${(error as Error).message}`);
  }
  if (!validateReply(parsed)) {
    const reason = (validateReply.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`)
      .join('; ');
    throw new InvalidInterfaceReplyError(`reply fails its schema: ${reason}`);
  }
  return parsed;
}

/**
 * The internal `store-status.received` message for a reply. Its id is derived from the reply's
 * content, so a reply the interface delivers twice becomes the same message id twice.
 */
export function storeStatusMessage(
  reply: StoreStatusReply,
  correlationId: string,
): OutgoingMessage {
  const digest = createHash('sha256').update(JSON.stringify(reply)).digest('hex').slice(0, 16);
  return {
    messageId: `${reply.backupRequestId}:${EVENT_TYPES.storeStatusReceived}:${digest}`,
    type: EVENT_TYPES.storeStatusReceived,
    correlationId,
    causationId: null,
    payload: { ...reply },
  };
}
