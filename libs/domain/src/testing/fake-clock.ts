import type { Clock } from '../ports/clock.port';

/** A clock that stands still until a test sets or advances it. */
export class FakeClock implements Clock {
  private current: number;

  /** Starts at `start` (default 2024-01-01T00:00:00Z). */
  constructor(start: Date | string = '2024-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves the clock to `instant` (backwards too, to simulate a skewed instance). */
  set(instant: Date | string): void {
    this.current = new Date(instant).getTime();
  }

  /** Moves the clock forward by `ms` and returns the new time. */
  advance(ms: number): Date {
    this.current += ms;
    return this.now();
  }
}
