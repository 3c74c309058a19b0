import { HandlerTimeoutError, runWithDeadline, withDeadline } from './handler-deadline';
import { HandlerRun, InFlightTracker } from './in-flight-tracker';
import type { Envelope } from '../port/envelope';

const envelope = {} as Envelope;
const context = { queue: 'q', redelivered: false };

describe('withDeadline', () => {
  it('gives the value, a rejection or a synchronous throw as the result', async () => {
    const run = () => new HandlerRun();
    await expect(withDeadline(async () => 'ok', 1000, run())).resolves.toEqual({
      ok: true,
      value: 'ok',
    });
    const boom = new Error('boom');
    await expect(withDeadline(() => Promise.reject(boom), 1000, run())).resolves.toEqual({
      ok: false,
      error: boom,
    });
    await expect(
      withDeadline(
        () => {
          throw boom;
        },
        1000,
        run(),
      ),
    ).resolves.toEqual({ ok: false, error: boom });
  });

  it('times out and aborts the run of work that never settles', async () => {
    const run = new HandlerRun();
    const result = await withDeadline(() => new Promise<string>(() => undefined), 20, run);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBeInstanceOf(HandlerTimeoutError);
    expect(run.signal.aborted).toBe(true);
    expect(run.signal.reason).toBeInstanceOf(HandlerTimeoutError);
  });
});

describe('HandlerRun', () => {
  it('hands out an aborted signal when aborted before anyone asked for it', () => {
    const run = new HandlerRun();
    run.abort(new Error('first'));
    run.abort(new Error('second'));
    expect(run.signal.aborted).toBe(true);
    expect((run.signal.reason as Error).message).toBe('first');
  });

  it('aborts a signal the handler holds', () => {
    const run = new HandlerRun();
    const signal = run.signal;
    const seen: unknown[] = [];
    signal.addEventListener('abort', () => seen.push(signal.reason));
    run.abort('stop');
    expect(seen).toEqual(['stop']);
    expect(run.signal).toBe(signal);
  });
});

describe('runWithDeadline with an InFlightTracker', () => {
  it('gives the handler the run signal, which abortAll aborts, and drains when it ends', async () => {
    const tracker = new InFlightTracker();
    const run = tracker.begin();
    let signal: AbortSignal | undefined;
    const pending = runWithDeadline(
      (_envelope, ctx) =>
        new Promise((resolve) => {
          signal = ctx.signal;
          expect(ctx).toMatchObject(context);
          ctx.signal.addEventListener('abort', () => resolve('ok'));
        }),
      envelope,
      context,
      1000,
      run,
    );
    expect(tracker.size()).toBe(1);
    await expect(tracker.drain(10)).resolves.toBe(false);
    tracker.abortAll('stopping');
    await expect(pending).resolves.toEqual({ ok: true, value: 'ok' });
    expect(signal?.aborted).toBe(true);
    tracker.end(run);
    await expect(tracker.drain(10)).resolves.toBe(true);
  });

  it('turns an outcome other than ok or already-done into a transient error', async () => {
    const result = await runWithDeadline(
      async () => 'maybe' as never,
      envelope,
      context,
      1000,
      new HandlerRun(),
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && (result.error as Error).message).toMatch(/handler returned maybe/);
  });
});
