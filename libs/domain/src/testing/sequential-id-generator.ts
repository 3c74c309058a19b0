import type { IdGenerator } from '../ports/id-generator.port';

/**
 * Ids 1, 2, 3… either UUID-shaped (the default, so schemas that demand a UUID accept them)
 * or as `${prefix}${n}` when a prefix is given.
 */
export class SequentialIdGenerator implements IdGenerator {
  private count = 0;

  constructor(private readonly prefix?: string) {}

  newId(): string {
    this.count += 1;
    if (this.prefix !== undefined) return `${this.prefix}${this.count}`;
    return `00000000-0000-4000-8000-${this.count.toString(16).padStart(12, '0')}`;
  }
}
