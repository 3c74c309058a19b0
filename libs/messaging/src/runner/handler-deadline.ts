import { TransientError } from '@linebacker/domain';
import type { Envelope } from '../port/envelope';
import type { DeliveryContext, HandlerOutcome, MessageHandler } from '../port/message-bus.port';

/** A handler did not settle within the subscription's `handlerTimeoutMs`. */
export class HandlerTimeoutError extends TransientError {
  constructor(timeoutMs: number) {
    super('HandlerTimeout', `handler did not settle within ${timeoutMs} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

/** What a handler run came to: an outcome to ack, or the error to classify. */
export type HandlerResult = { ok: true; outcome: HandlerOutcome } | { ok: false; error: unknown };

const OUTCOMES: readonly unknown[] = ['ok', 'already-done'];

/**
 * Runs a handler against a deadline. When the deadline passes first, the signal is aborted
 * and the result is a HandlerTimeoutError; whatever the handler does later is ignored (its
 * rejection is swallowed here), so a late success can never ack a second time.
 */
export async function runWithDeadline(
  handler: MessageHandler,
  envelope: Envelope,
  context: DeliveryContext,
  timeoutMs: number,
  controller: AbortController,
): Promise<HandlerResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<HandlerResult>((resolve) => {
    timer = setTimeout(() => {
      const error = new HandlerTimeoutError(timeoutMs);
      controller.abort(error);
      resolve({ ok: false, error });
    }, timeoutMs);
  });
  const run = Promise.resolve()
    .then(() => handler(envelope, context))
    .then(
      (outcome): HandlerResult =>
        OUTCOMES.includes(outcome)
          ? { ok: true, outcome }
          : {
              ok: false,
              error: new TransientError(
                'InvalidHandlerOutcome',
                `handler returned ${String(outcome)}`,
              ),
            },
      (error: unknown): HandlerResult => ({ ok: false, error }),
    );
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
