import { PermanentError } from '@linebacker/domain';
import { headerReason } from '@linebacker/messaging';

/**
 * A message moved to `<queue>-poison`: Azure queue messages carry text only, so the reason
 * travels in a small JSON wrapper around the original wire text (kept byte for byte, so a
 * replay puts back exactly what the interface sent).
 */
export interface PoisonMessage {
  /** The queue it was taken from. */
  queue: string;
  errorCode: string;
  reason: string;
  parkedAt: string;
  /** Service-side receives of the original, when it was parked. */
  dequeueCount: number;
  /** The original message's id. */
  messageId: string;
  /** The original wire text (still base64 when the queue's encoding is). */
  messageText: string;
}

const MARK = 'linebackerPoison';

/** The wire text of a poison message. */
export function encodePoison(message: PoisonMessage): string {
  return JSON.stringify({ [MARK]: 1, ...message, reason: headerReason(message.reason) });
}

/** A poison message read back; a text that is not one is refused. */
export function decodePoison(text: string): PoisonMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const value = parsed as Partial<PoisonMessage> & Record<string, unknown>;
  if (!value || value[MARK] !== 1 || typeof value.messageText !== 'string')
    throw new PermanentError('NotAPoisonMessage', 'text is not a linebacker poison message');
  return {
    queue: String(value.queue),
    errorCode: String(value.errorCode),
    reason: String(value.reason),
    parkedAt: String(value.parkedAt),
    dequeueCount: Number(value.dequeueCount),
    messageId: String(value.messageId),
    messageText: value.messageText,
  };
}
