import { setTimeout as sleep } from 'node:timers/promises';

// The one way tests wait: on a condition, polled, with a deadline. A fixed sleep before an
// assertion is either too short on a loaded machine (flaky) or too long everywhere (slow).

/** Polls `condition` every `intervalMs` until it holds (true) or `timeoutMs` passed (false). */
export async function pollUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** Polls `condition` until it holds; throws naming `what` once `timeoutMs` passed. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<void> {
  if (!(await pollUntil(condition, timeoutMs, intervalMs)))
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * A negative check, the one place a test waits a fixed time: throws as soon as `happened`
 * holds within `ms`. It proves only that nothing happened in that window, so keep `ms` short
 * and the window one in which the thing would surely happen if the code were wrong.
 */
export async function expectNothingWithin(
  ms: number,
  what: string,
  happened: () => boolean | Promise<boolean>,
): Promise<void> {
  if (await pollUntil(happened, ms, Math.min(20, ms)))
    throw new Error(`expected no ${what} within ${ms} ms, but it happened`);
}
