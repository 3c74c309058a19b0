import { createHmac } from 'node:crypto';
import { signCallback, verifyCallbackSignature } from './callback-signature';

const current = { kid: '2026-12', secret: 'n'.repeat(40) };
const previous = { kid: '2026-06', secret: 'o'.repeat(40) };
const body = '{"eventId":"r1:Succeeded","status":"Succeeded"}';
const t = 1_796_000_000;

describe('signCallback', () => {
  it('signs timestamp.body with HMAC-SHA256 and names the key', () => {
    const expected = createHmac('sha256', current.secret).update(`${t}.${body}`).digest('hex');
    expect(signCallback(body, current, t)).toBe(`t=${t},kid=2026-12,v1=${expected}`);
  });
});

describe('verifyCallbackSignature', () => {
  const header = signCallback(body, current, t);

  it('accepts a signature by any key the receiver still lists (rotation)', () => {
    expect(verifyCallbackSignature(header, body, [previous, current], t + 10)).toEqual({
      ok: true,
      kid: '2026-12',
    });
    const old = signCallback(body, previous, t);
    expect(verifyCallbackSignature(old, body, [previous, current], t)).toMatchObject({ ok: true });
  });

  it('refuses a changed body, an unknown key, an old timestamp and a malformed header', () => {
    const check = (h: string | undefined, b = body, now = t) =>
      verifyCallbackSignature(h, b, [current], now);
    expect(check(header, body.replace('Succeeded"}', 'Failed"}'))).toEqual({
      ok: false,
      problem: 'mismatch',
    });
    expect(check(header.replace(`t=${t}`, `t=${t + 1}`))).toEqual({
      ok: false,
      problem: 'mismatch',
    });
    expect(verifyCallbackSignature(header, body, [previous], t)).toEqual({
      ok: false,
      problem: 'unknown-key',
    });
    expect(check(header, body, t + 301)).toEqual({ ok: false, problem: 'too-old' });
    expect(check(undefined)).toEqual({ ok: false, problem: 'malformed' });
    expect(check('t=1,kid=2026-12,v1=zz')).toEqual({ ok: false, problem: 'malformed' });
  });
});
