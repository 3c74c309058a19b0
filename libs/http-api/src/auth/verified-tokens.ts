import { createHash } from 'node:crypto';
import type { Principal } from './principal';

/**
 * Tokens verified recently, by their SHA-256, with the principal they proved. A client sends
 * the same token for as long as it lives (often an hour), and checking its signature again on
 * every request was a third of the receiver's CPU at its highest intake rate. An entry is kept
 * at most `maxAgeMs` and never past the token's `exp`; the oldest entries go first when
 * `maxEntries` is reached. Only successes are kept: a bad token is checked every time.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The key a token is remembered under (its hash: the cache never holds a token). */
  static keyOf(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
  }

  /** The principal of a token verified before and still within its time, if any. */
  get(key: string): Principal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() < entry.until) return entry.principal;
    this.entries.delete(key);
    return undefined;
  }

  /** Remembers a verified token until `expiresAtMs` or `maxAgeMs` from now, whichever is first. */
  remember(key: string, principal: Principal, expiresAtMs: number): void {
    if (this.maxAgeMs <= 0) return;
    const until = Math.min(expiresAtMs, this.now() + this.maxAgeMs);
    if (until <= this.now()) return;
    this.entries.delete(key);
    this.entries.set(key, { principal, until });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
