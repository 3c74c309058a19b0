import { TransientError } from '@linebacker/domain';
import type { Envelope } from '../port/envelope';
import type { DeliveryContext, HandlerOutcome, MessageHandler } from '../port/message-bus.port';

/** A handler did not settle within its deadline (`handlerTimeoutMs`). */
export class HandlerTimeoutError extends TransientError {
  constructor(timeoutMs: number) {
    super('HandlerTimeout', `handler did not settle within ${timeoutMs} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

/** What a deadline-bound run came to: its value, or the error to classify. */
export type DeadlineResult<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `work` against a deadline. When the deadline passes first, the signal is aborted and
 * the result is a HandlerTimeoutError; whatever `work` does later is ignored (its rejection
 * is swallowed here), so a late success can never ack a second time.
 */
export async function withDeadline<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  controller: AbortController,
): Promise<DeadlineResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DeadlineResult<T>>((resolve) => {
    timer = setTimeout(() => {
      const error = new HandlerTimeoutError(timeoutMs);
      controller.abort(error);
      resolve({ ok: false, error });
    }, timeoutMs);
  });
  const run = Promise.resolve()
    .then(() => work(controller.signal))
    .then(
      (value): DeadlineResult<T> => ({ ok: true, value }),
      (error: unknown): DeadlineResult<T> => ({ ok: false, error }),
    );
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const OUTCOMES: readonly unknown[] = ['ok', 'already-done'];

/** Runs a subscription handler against its deadline; an unknown outcome is a transient error. */
export async function runWithDeadline(
  handler: MessageHandler,
  envelope: Envelope,
  context: Omit<DeliveryContext, 'signal'>,
  timeoutMs: number,
  controller: AbortController,
): Promise<DeadlineResult<HandlerOutcome>> {
  const result = await withDeadline(
    (signal) => handler(envelope, { ...context, signal }),
    timeoutMs,
    controller,
  );
  if (!result.ok || OUTCOMES.includes(result.value)) return result;
  const error = new TransientError(
    'InvalidHandlerOutcome',
    `handler returned ${String(result.value)}`,
  );
  return { ok: false, error };
}
