import { WakeableDelay } from './wakeable-delay';

describe('WakeableDelay', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Whether `promise` has resolved once the pending callbacks ran. */
  async function settled(promise: Promise<void>): Promise<boolean> {
    let done = false;
    void promise.then(() => (done = true));
    await jest.advanceTimersByTimeAsync(0);
    return done;
  }

  it('waits the full time when nobody wakes it', async () => {
    const delay = new WakeableDelay();
    const wait = delay.wait(1000);
    await jest.advanceTimersByTimeAsync(999);
    expect(await settled(wait)).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await settled(wait)).toBe(true);
  });

  it('ends the wait under way on wake, and says so', async () => {
    const delay = new WakeableDelay();
    const wait = delay.wait(60_000);
    expect(delay.wake()).toBe(true);
    expect(await settled(wait)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('says when there was no wait to end, and a wake is not kept for the next wait', async () => {
    const delay = new WakeableDelay();
    expect(delay.wake()).toBe(false);
    const first = delay.wait(100);
    await jest.advanceTimersByTimeAsync(100);
    expect(await settled(first)).toBe(true);
    expect(delay.wake()).toBe(false);
    const second = delay.wait(100);
    expect(await settled(second)).toBe(false);
  });

  it('ends a wait under way when a new one begins', async () => {
    const delay = new WakeableDelay();
    const first = delay.wait(60_000);
    const second = delay.wait(60_000);
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(false);
    expect(delay.wake()).toBe(true);
    expect(await settled(second)).toBe(true);
  });
});
