import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SigningKey } from './callback-config';

/** The header carrying the signature: `t=<unix seconds>,kid=<key id>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'Linebacker-Signature';
/** The header carrying the event id a receiver deduplicates on. */
export const EVENT_ID_HEADER = 'Linebacker-Event-Id';

/** HMAC-SHA256 in hex over `<timestamp>.<body>`: the timestamp is signed, so it cannot be moved. */
function mac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The signature header's value for `body`, sent at `timestamp` (unix seconds), with `key`. */
export function signCallback(body: string, key: SigningKey, timestamp: number): string {
  return `t=${timestamp},kid=${key.kid},v1=${mac(key.secret, timestamp, body)}`;
}

/** Why a signature was refused. */
export type SignatureProblem = 'malformed' | 'unknown-key' | 'too-old' | 'mismatch';

/**
 * Checks a signature header against the raw body, as a receiver does: the key named by `kid`
 * among those it accepts (all keys of a rotation), a timestamp within `toleranceSeconds` of
 * `now` (a captured request cannot be replayed later), and the MAC compared in constant time.
 */
export function verifyCallbackSignature(
  header: string | undefined,
  body: string,
  keys: readonly SigningKey[],
  now: number,
  toleranceSeconds = 300,
): { ok: true; kid: string } | { ok: false; problem: SignatureProblem } {
  const fields = new Map(
    (header ?? '').split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(fields.get('t'));
  const kid = fields.get('kid');
  const given = fields.get('v1');
  if (!Number.isInteger(timestamp) || !kid || !given || !/^[0-9a-f]{64}$/.test(given))
    return { ok: false, problem: 'malformed' };
  const key = keys.find((candidate) => candidate.kid === kid);
  if (!key) return { ok: false, problem: 'unknown-key' };
  if (Math.abs(now - timestamp) > toleranceSeconds) return { ok: false, problem: 'too-old' };
  const expected = Buffer.from(mac(key.secret, timestamp, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex')))
    return { ok: false, problem: 'mismatch' };
  return { ok: true, kid };
}
