/** The current time, injectable so tests control it. */
export interface Clock {
  now(): Date;
}

/** New unique identifiers (UUIDs in production). */
export interface IdGenerator {
  newId(): string;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };
