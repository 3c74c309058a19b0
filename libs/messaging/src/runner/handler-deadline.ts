import { TransientError } from '@linebacker/domain';
import type { Envelope } from '../port/envelope';
import type { DeliveryContext, HandlerOutcome, MessageHandler } from '../port/message-bus.port';
import type { HandlerRun } from './in-flight-tracker';

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
 * Runs `work` against a deadline. When the deadline passes first, the run is aborted and
 * the result is a HandlerTimeoutError; whatever `work` does later is ignored (its rejection
 * is swallowed here), so a late success can never ack a second time. `work` starts at once
 * (a synchronous throw is its failure); one timer and one promise per run, since this is on
 * every delivery's path. `work` reads the run's signal itself if it wants one.
 */
export function withDeadline<T>(
  work: () => Promise<T>,
  timeoutMs: number,
  run: HandlerRun,
): Promise<DeadlineResult<T>> {
  return new Promise<DeadlineResult<T>>((resolve) => {
    let settled = false;
    const settle = (result: DeadlineResult<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      const error = new HandlerTimeoutError(timeoutMs);
      run.abort(error);
      settle({ ok: false, error });
    }, timeoutMs);
    let pending: Promise<T>;
    try {
      pending = work();
    } catch (error) {
      settle({ ok: false, error });
      return;
    }
    Promise.resolve(pending).then(
      (value) => settle({ ok: true, value }),
      (error: unknown) => settle({ ok: false, error }),
    );
  });
}

const OUTCOMES: readonly unknown[] = ['ok', 'already-done'];

/** Runs a subscription handler against its deadline; an unknown outcome is a transient error. */
export async function runWithDeadline(
  handler: MessageHandler,
  envelope: Envelope,
  context: Omit<DeliveryContext, 'signal'>,
  timeoutMs: number,
  run: HandlerRun,
): Promise<DeadlineResult<HandlerOutcome>> {
  const result = await withDeadline(
    () =>
      handler(envelope, {
        queue: context.queue,
        redelivered: context.redelivered,
        get signal() {
          return run.signal;
        },
      }),
    timeoutMs,
    run,
  );
  if (!result.ok || OUTCOMES.includes(result.value)) return result;
  const error = new TransientError(
    'InvalidHandlerOutcome',
    `handler returned ${String(result.value)}`,
  );
  return { ok: false, error };
}
