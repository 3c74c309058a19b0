import { createHmac, KeyObject, sign as signBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { InMemoryBackupRequestRepository } from '@linebacker/domain/testing';
import {
  makeTestKey,
  signTestToken,
  startJwksServer,
  type JwksServer,
  type TestKey,
} from '@linebacker/testing';
import { jwtAuthenticator, type JwtSettings } from './auth/jwt';
import { receiverHarness } from './testing/receiver-harness';

/*
 * The receiver against hostile callers, with real keys and a real JWKS endpoint on loopback:
 * every bad token is refused with no row stored, and nothing but the configured JWKS URL is
 * ever fetched (a second server stands for every URL an attacker could name).
 */

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'linebacker';
const NOW = new Date();
const nowSeconds = Math.floor(NOW.getTime() / 1000);

const body = {
  apiVersion: '2022-05-22',
  backupJobId: 'job-a1',
  dataDate: NOW.toISOString().slice(0, 10),
  backupDataLocation: '/data/team-a/set-1',
};

const goodClaims = {
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'team-a',
  exp: nowSeconds + 300,
  iat: nowSeconds,
  scope: 'post-backup-request',
  linebacker_jobs: ['job-a1', 'job-a2'],
  linebacker_locations: ['/data/team-a'],
};

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

interface Setup {
  app: FastifyInstance;
  /** Moves the authenticator's clock (verified-token cache, exp and nbf checks). */
  advance(ms: number): void;
  requests: InMemoryBackupRequestRepository;
  jwks: JwksServer;
  attacker: JwksServer;
  key: TestKey;
  attackerKey: TestKey;
  warnings: string[];
  stop(): Promise<void>;
}

async function setup(overrides: Partial<JwtSettings> = {}): Promise<Setup> {
  const key = await makeTestKey('key-1');
  const attackerKey = await makeTestKey('key-1');
  const jwks = await startJwksServer([key]);
  const attacker = await startJwksServer([attackerKey]);
  let time = NOW.getTime();
  const { app, requests, warnings } = await receiverHarness({
    now: NOW,
    limits: { bodyLimitBytes: 16384 },
    authenticate: jwtAuthenticator({
      jwksUrl: jwks.url,
      issuers: [ISSUER],
      audience: AUDIENCE,
      algorithms: ['ES256'],
      clockToleranceSeconds: 30,
      jwksCooldownMs: 30_000,
      jwksCacheMaxAgeMs: 600_000,
      jwksTimeoutMs: 2000,
      verifiedTokenCacheMs: 60_000,
      now: () => time,
      ...overrides,
    }),
  });
  const advance = (ms: number): void => void (time += ms);
  const stop = async (): Promise<void> => {
    await app.close();
    await jwks.stop();
    await attacker.stop();
  };
  return { app, advance, requests, jwks, attacker, key, attackerKey, warnings, stop };
}

/** Runs `test` against a fresh receiver and JWKS servers, and stops them after. */
async function withSetup(
  overrides: Partial<JwtSettings>,
  test: (s: Setup) => Promise<void>,
): Promise<void> {
  const s = await setup(overrides);
  try {
    await test(s);
  } finally {
    await s.stop();
  }
}

const postWith = (
  app: FastifyInstance,
  authorization: string | undefined,
  payload: object = body,
) =>
  app.inject({
    method: 'POST',
    url: '/api/backup-requests',
    payload,
    headers: authorization === undefined ? {} : { authorization },
  });

describe('JWT authentication against hostile tokens', () => {
  let s: Setup;
  beforeAll(async () => (s = await setup()));
  afterAll(() => s.stop());

  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    signTestToken(s.key, claims, header);
  const withClaims = (change: Record<string, unknown>) => sign({ ...goodClaims, ...change });
  const without = (claim: keyof typeof goodClaims) => {
    const claims: Record<string, unknown> = { ...goodClaims };
    delete claims[claim];
    return sign(claims);
  };
  // jose will not sign what it would refuse; these are signed by hand with the real key.
  const signRaw = (header: object, claims: object) => {
    const unsigned = `${b64(header)}.${b64(claims)}`;
    const signature = signBytes('sha256', Buffer.from(unsigned), {
      key: KeyObject.from(s.key.privateKey),
      dsaEncoding: 'ieee-p1363',
    });
    return `${unsigned}.${signature.toString('base64url')}`;
  };
  const hs256 = (secret: string | Buffer, header: object = { alg: 'HS256', kid: 'key-1' }) => {
    const unsigned = `${b64(header)}.${b64(goodClaims)}`;
    return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
  };

  // Each case: a name, the Authorization header (built lazily: keys exist only in beforeAll).
  const unauthenticated: Array<[string, () => Promise<string | undefined> | string | undefined]> = [
    ['no Authorization header', () => undefined],
    ['an empty header', () => ''],
    ['Basic credentials', () => `Basic ${b64('team-a:secret')}`],
    ['an empty Bearer token', () => 'Bearer '],
    ['a Bearer token with spaces', () => 'Bearer abc def'],
    ['a token with a newline', () => 'Bearer abc\ndef'],
    ['two dots only', () => 'Bearer ..'],
    ['one segment', () => 'Bearer abcdef'],
    ['five segments (a JWE shape)', () => 'Bearer a.b.c.d.e'],
    [
      'a header that is not JSON',
      async () => `Bearer ${b64('nope')}.${(await sign(goodClaims)).split('.').slice(1).join('.')}`,
    ],
    [
      'a payload that is not JSON',
      async () => {
        const [h, , sig] = (await sign(goodClaims)).split('.');
        return `Bearer ${h}.${b64('nope')}.${sig}`;
      },
    ],
    ['a truncated signature', async () => `Bearer ${(await sign(goodClaims)).slice(0, -10)}`],
    [
      'no signature',
      async () => `Bearer ${(await sign(goodClaims)).split('.').slice(0, 2).join('.')}.`,
    ],
    [
      'a signature of another token',
      async () => {
        const other = (await withClaims({ sub: 'team-b' })).split('.')[2];
        const [h, p] = (await sign(goodClaims)).split('.');
        return `Bearer ${h}.${p}.${other}`;
      },
    ],
    ['alg none, unsigned', () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(goodClaims)}.`],
    [
      'alg none with a signature',
      () => `Bearer ${b64({ alg: 'none', kid: 'key-1' })}.${b64(goodClaims)}.${b64('sig')}`,
    ],
    [
      'alg NONE in capitals',
      () => `Bearer ${b64({ alg: 'NONE', kid: 'key-1' })}.${b64(goodClaims)}.`,
    ],
    [
      'HS256 signed with the public key as secret',
      () => `Bearer ${hs256(JSON.stringify(s.key.publicJwk))}`,
    ],
    [
      'HS256 signed with the public x coordinate',
      () => `Bearer ${hs256(Buffer.from(String(s.key.publicJwk.x), 'base64url'))}`,
    ],
    ['HS256 signed with a guessed secret', () => `Bearer ${hs256('secret')}`],
    [
      'signed by another key under the same kid',
      async () => `Bearer ${await signTestToken(s.attackerKey, goodClaims)}`,
    ],
    [
      'signed by an unknown kid',
      async () => `Bearer ${await signTestToken({ ...s.attackerKey, kid: 'key-9' }, goodClaims)}`,
    ],
    [
      'a kid that looks like a path',
      async () =>
        `Bearer ${await signTestToken({ ...s.attackerKey, kid: '../../etc/passwd' }, goodClaims)}`,
    ],
    [
      'a jku header naming another key set',
      async () =>
        `Bearer ${await signTestToken(s.attackerKey, goodClaims, { jku: s.attacker.url })}`,
    ],
    [
      'an x5u header naming another server',
      async () =>
        `Bearer ${await signTestToken(s.attackerKey, goodClaims, { x5u: s.attacker.url })}`,
    ],
    [
      'an embedded jwk header',
      async () =>
        `Bearer ${await signTestToken(s.attackerKey, goodClaims, { jwk: s.attackerKey.publicJwk })}`,
    ],
    [
      'an unknown critical header',
      () =>
        `Bearer ${signRaw({ alg: 'ES256', kid: 'key-1', crit: ['x-linebacker'], 'x-linebacker': 1 }, goodClaims)}`,
    ],
    [
      'an RS256 token when only ES256 is pinned',
      async () => `Bearer ${await signTestToken(await makeTestKey('key-1', 'RS256'), goodClaims)}`,
    ],
    [
      'an ES384 token when only ES256 is pinned',
      async () => `Bearer ${await signTestToken(await makeTestKey('key-1', 'ES384'), goodClaims)}`,
    ],
    ['expired an hour ago', async () => `Bearer ${await withClaims({ exp: nowSeconds - 3600 })}`],
    [
      'expired beyond the tolerance',
      async () => `Bearer ${await withClaims({ exp: nowSeconds - 60 })}`,
    ],
    [
      'not valid before an hour from now',
      async () => `Bearer ${await withClaims({ nbf: nowSeconds + 3600 })}`,
    ],
    [
      'exp as a string',
      async () => `Bearer ${await withClaims({ exp: String(nowSeconds + 300) })}`,
    ],
    ['no exp', async () => `Bearer ${await without('exp')}`],
    ['no sub', async () => `Bearer ${await without('sub')}`],
    ['a sub with a NUL', async () => `Bearer ${await withClaims({ sub: 'team-a\u0000admin' })}`],
    ['a sub of 200 characters', async () => `Bearer ${await withClaims({ sub: 'a'.repeat(200) })}`],
    [
      'a wrong issuer',
      async () => `Bearer ${await withClaims({ iss: 'https://evil.example.test/' })}`,
    ],
    ['no issuer', async () => `Bearer ${await without('iss')}`],
    ['a wrong audience', async () => `Bearer ${await withClaims({ aud: 'another-service' })}`],
    [
      'an audience list without ours',
      async () => `Bearer ${await withClaims({ aud: ['a', 'b'] })}`,
    ],
    ['no audience', async () => `Bearer ${await without('aud')}`],
    [
      'a jobs claim of the wrong type',
      async () => `Bearer ${await withClaims({ linebacker_jobs: 7 })}`,
    ],
    [
      'a locations claim of the wrong type',
      async () => `Bearer ${await withClaims({ linebacker_locations: '/data' })}`,
    ],
    ['an oversized token', async () => `Bearer ${await withClaims({ pad: 'x'.repeat(9000) })}`],
  ];

  it.each(unauthenticated)(
    'answers 401 for %s, stores nothing, fetches nothing else',
    async (_name, header) => {
      const before = s.requests.allRequests().length;
      const response = await postWith(s.app, await header());
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="linebacker"/);
      expect(response.json()).toEqual({
        code: expect.stringMatching(/^(Unauthenticated|InvalidToken)$/),
        message: expect.any(String),
      });
      expect(s.requests.allRequests()).toHaveLength(before);
      expect(s.attacker.hits).toEqual([]);
      expect(s.jwks.hits.filter((path) => path !== '/.well-known/jwks.json')).toEqual([]);
    },
  );

  const forbidden: Array<[string, Record<string, unknown>, string]> = [
    ['no scope', { scope: undefined }, 'Forbidden'],
    ['a read scope only', { scope: 'read-backup-request' }, 'Forbidden'],
    ['an scp list without the post scope', { scope: undefined, scp: ['read'] }, 'Forbidden'],
    ['a job it may not submit', { linebacker_jobs: ['job-b1'] }, 'JobNotAllowed'],
    ['no jobs claim at all', { linebacker_jobs: undefined }, 'JobNotAllowed'],
  ];

  it.each(forbidden)(
    'answers 403 for a valid token with %s and stores nothing',
    async (_name, change, code) => {
      const response = await postWith(s.app, `Bearer ${await withClaims(change)}`);
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe(code);
      expect(s.requests.allRequests()).toHaveLength(0);
    },
  );

  it('accepts the good token, with the scheme in any case and scopes from scp', async () => {
    const token = await sign(goodClaims);
    expect((await postWith(s.app, `Bearer ${token}`)).statusCode).toBe(202);
    expect((await postWith(s.app, `bearer ${token}`)).statusCode).toBe(202);
    const scp = await withClaims({ scope: undefined, scp: ['post-backup-request'] });
    const response = await postWith(s.app, `Bearer ${scp}`);
    expect(response.statusCode).toBe(202);
    expect(response.json().requesterId).toBe('team-a');
    // The hand signer makes good tokens too: the critical-header case fails for its header.
    const handSigned = signRaw({ alg: 'ES256', kid: 'key-1', typ: 'JWT' }, goodClaims);
    expect((await postWith(s.app, `Bearer ${handSigned}`)).statusCode).toBe(202);
  });

  it('fetched the key set far less often than it saw unknown kids (cooldown)', () => {
    // Three cases above carried an unknown kid; the first refetch starts the cooldown.
    expect(s.jwks.hits.length).toBeLessThanOrEqual(2);
  });
});

describe('per-client authorization of locations and dates', () => {
  let s: Setup;
  beforeAll(async () => (s = await setup()));
  afterAll(() => s.stop());
  const token = () => signTestToken(s.key, goodClaims);

  it.each([
    ['outside the prefixes', '/data/team-b/set-1'],
    ['a sibling that shares the prefix text', '/data/team-ab/x'],
    ['a .. segment', '/data/team-a/../team-b/x'],
    ['a .. segment behind a backslash', '/data/team-a/x\\..\\..\\team-b'],
    ['a NUL', '/data/team-a/x\u0000y'],
    ['an escape sequence', '/data/team-a/\u001b[2Jx'],
    ['a relative path', 'data/team-a/x'],
  ])(
    'answers 400 LocationNotAllowed for a location %s, stores nothing, logs one warning',
    async (_name, location) => {
      const warningsBefore = s.warnings.length;
      const response = await postWith(s.app, `Bearer ${await token()}`, {
        ...body,
        backupDataLocation: location,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('LocationNotAllowed');
      expect(s.requests.allRequests()).toHaveLength(0);
      expect(s.warnings.slice(warningsBefore)).toEqual([
        expect.stringMatching(/"requesterId":"team-a".*|"backupJobId":"job-a1"/),
      ]);
    },
  );

  it('stores the location in its canonical form', async () => {
    const response = await postWith(s.app, `Bearer ${await token()}`, {
      ...body,
      backupDataLocation: '/data//team-a/./set-2/',
    });
    expect(response.statusCode).toBe(202);
    expect(response.json().preparedDataPathName).toBe('/data/team-a/set-2/');
  });

  it.each([
    ['eleven years ago', -11 * 366],
    ['two days ahead', 2],
  ])('answers 400 DataDateOutOfRange for a date %s', async (_name, days) => {
    const dataDate = new Date(NOW.getTime() + days * 86_400_000).toISOString().slice(0, 10);
    const response = await postWith(s.app, `Bearer ${await token()}`, { ...body, dataDate });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('DataDateOutOfRange');
  });

  it('hides another client’s request behind a 404', async () => {
    const created = await postWith(s.app, `Bearer ${await token()}`);
    const id = created.json().backupRequestId as string;
    const other = await signTestToken(s.key, { ...goodClaims, sub: 'team-b' });
    const read = await s.app.inject({
      url: `/api/backup-requests/${id}`,
      headers: { authorization: `Bearer ${other}` },
    });
    expect(read.statusCode).toBe(404);
  });
});

describe('JWKS key rotation and outages', () => {
  it('accepts a new key without a restart and refuses the retired one once refreshed', () =>
    withSetup({ jwksCooldownMs: 0 }, async (s) => {
      const old = await signTestToken(s.key, goodClaims);
      expect((await postWith(s.app, `Bearer ${old}`)).statusCode).toBe(202);
      const next = await makeTestKey('key-2');
      s.jwks.serve([next]);
      const fresh = await signTestToken(next, goodClaims);
      expect((await postWith(s.app, `Bearer ${fresh}`)).statusCode).toBe(202);
      // The old token was verified a moment ago and is remembered for at most a minute...
      expect((await postWith(s.app, `Bearer ${old}`)).statusCode).toBe(202);
      // ...after which it is checked again, against the rotated key set, and refused.
      s.advance(61_000);
      expect((await postWith(s.app, `Bearer ${old}`)).statusCode).toBe(401);
      expect((await postWith(s.app, `Bearer ${fresh}`)).statusCode).toBe(202);
    }));

  it('never accepts a remembered token past its exp', () =>
    withSetup({}, async (s) => {
      const shortLived = await signTestToken(s.key, { ...goodClaims, exp: nowSeconds + 10 });
      expect((await postWith(s.app, `Bearer ${shortLived}`)).statusCode).toBe(202);
      s.advance(5_000);
      expect((await postWith(s.app, `Bearer ${shortLived}`)).statusCode).toBe(202);
      // Past exp plus the 30 s tolerance: refused although a minute has not gone by.
      s.advance(36_000);
      expect((await postWith(s.app, `Bearer ${shortLived}`)).statusCode).toBe(401);
    }));

  it('answers 503, not 401, while the key set cannot be fetched', () =>
    withSetup({}, async (s) => {
      s.jwks.failWith(500);
      const response = await postWith(s.app, `Bearer ${await signTestToken(s.key, goodClaims)}`);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      s.jwks.failWith(undefined);
      expect(
        (await postWith(s.app, `Bearer ${await signTestToken(s.key, goodClaims)}`)).statusCode,
      ).toBe(202);
    }));
});
