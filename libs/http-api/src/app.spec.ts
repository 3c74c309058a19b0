import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import {
  CallbackNotAllowedError,
  DependencyUnavailableError,
  IdempotencyKeyInFlightError,
  type CallbackTargets,
} from '@linebacker/domain';
import { InMemoryCallbackAttemptLog } from '@linebacker/domain/testing';
import { staticTokenAuthenticator } from './auth/static-tokens';
import { receiverHarness, type ReceiverHarness } from './testing/receiver-harness';

const validBody = {
  apiVersion: '2022-05-22',
  backupJobId: 'job-1',
  dataDate: '2024-02-29',
  backupDataLocation: '/data/prepared/2024-02-29',
};

type Harness = ReceiverHarness;
const harness = receiverHarness;

const post = (app: FastifyInstance, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/backup-requests', payload: payload as object, headers });

describe('POST /api/backup-requests', () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(async () => h.app.close());

  it('answers 202 with the stored request and writes its received event', async () => {
    const response = await post(h.app, validBody);
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body).toEqual({
      backupRequestId: expect.any(String),
      backupJobId: 'job-1',
      dataDate: '2024-02-29',
      preparedDataPathName: '/data/prepared/2024-02-29',
      statusTypeCode: 'Received',
      receivedTimestamp: '2024-03-01T10:00:00.000Z',
      requesterId: 'anonymous',
      callbackUrl: null,
    });
    expect(h.requests.allRequests()).toHaveLength(1);
    expect(h.requests.outbox.map((m) => m.type)).toEqual(['backup-request.received']);
    expect(response.headers['x-correlation-id']).toBeDefined();
  });

  it.each([
    ['an unknown field', { ...validBody, extra: 1 }],
    ['a number where a string belongs', { ...validBody, backupJobId: 42 }],
    [
      'a missing field',
      { apiVersion: validBody.apiVersion, backupJobId: 'j', dataDate: '2024-01-01' },
    ],
    ['a malformed date', { ...validBody, dataDate: '2024-1-1' }],
    ['an impossible date', { ...validBody, dataDate: '2023-02-29' }],
    ['a job id over 50 characters', { ...validBody, backupJobId: 'j'.repeat(51) }],
    ['an empty data location', { ...validBody, backupDataLocation: '' }],
    ['a body that is not an object', [validBody]],
  ])('answers 400 for %s and stores nothing', async (_name, body) => {
    const response = await post(h.app, body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ code: expect.any(String), message: expect.any(String) });
    expect(h.requests.allRequests()).toHaveLength(0);
  });

  it('answers 400 InvalidApiVersion for another apiVersion', async () => {
    const response = await post(h.app, { ...validBody, apiVersion: '2021-01-01' });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('InvalidApiVersion');
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/backup-requests',
      payload: '{"apiVersion":',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(400);
  });

  it('answers 413 for a body over the limit', async () => {
    const response = await post(h.app, { ...validBody, backupDataLocation: 'x'.repeat(5000) });
    expect(response.statusCode).toBe(413);
    expect(h.requests.allRequests()).toHaveLength(0);
  });

  it('returns the original request for a repeated Idempotency-Key with the same body', async () => {
    const first = await post(h.app, validBody, { 'idempotency-key': 'k-1' });
    const second = await post(h.app, validBody, { 'idempotency-key': 'k-1' });
    expect(second.statusCode).toBe(202);
    expect(second.json().backupRequestId).toBe(first.json().backupRequestId);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(h.requests.allRequests()).toHaveLength(1);
  });

  it('answers 422 for a repeated Idempotency-Key with a different body', async () => {
    await post(h.app, validBody, { 'idempotency-key': 'k-2' });
    const response = await post(
      h.app,
      { ...validBody, dataDate: '2024-03-01' },
      { 'idempotency-key': 'k-2' },
    );
    expect(response.statusCode).toBe(422);
    expect(response.json().code).toBe('IdempotencyKeyReused');
    expect(h.requests.allRequests()).toHaveLength(1);
  });

  it('answers 409 while the same Idempotency-Key is in flight', async () => {
    h.requests.failNext('create', new IdempotencyKeyInFlightError('k-3'));
    const response = await post(h.app, validBody, { 'idempotency-key': 'k-3' });
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('IdempotencyKeyInFlight');
  });

  it('answers 503 quickly, without internals, when the database is unavailable', async () => {
    h.requests.failNext(
      'create',
      new DependencyUnavailableError('postgres', 'connect ECONNREFUSED 10.0.0.1'),
    );
    const response = await post(h.app, validBody);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.body).not.toMatch(/ECONNREFUSED|at .*\.ts/);
    // The log keeps what the answer leaves out, and says which status the client got.
    expect(h.errors.map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({
        message: 'request failed',
        method: 'POST',
        url: '/api/backup-requests',
        status: 503,
        error: expect.stringMatching(/ECONNREFUSED/),
      }),
    ]);
  });
});

describe('callbackUrl', () => {
  /** Targets that allow one URL, refuse every other, and give `fallback` when none is named. */
  const targets = (fallback: string | null): CallbackTargets & { asked: unknown[] } => {
    const asked: unknown[] = [];
    return {
      asked,
      targetFor: (requesterId, requestedUrl) => {
        asked.push([requesterId, requestedUrl]);
        if (requestedUrl === undefined) return Promise.resolve(fallback);
        if (requestedUrl === 'https://hooks.example.com/x') return Promise.resolve(requestedUrl);
        return Promise.reject(
          new CallbackNotAllowedError(`host is not allowed for ${requesterId}`),
        );
      },
    };
  };
  const current = { ...validBody, apiVersion: '2026-12-05' };

  it('stores an allowed callbackUrl sent with the current apiVersion', async () => {
    const h = await harness({ callbackTargets: targets(null) });
    const response = await post(h.app, { ...current, callbackUrl: 'https://hooks.example.com/x' });
    expect(response.statusCode).toBe(202);
    expect(response.json().callbackUrl).toBe('https://hooks.example.com/x');
    expect(h.requests.allRequests()[0]?.callbackUrl).toBe('https://hooks.example.com/x');
    await h.app.close();
  });

  it("answers 400 CallbackNotAllowed with the policy's reason and stores nothing", async () => {
    const h = await harness({ callbackTargets: targets(null) });
    const response = await post(h.app, { ...current, callbackUrl: 'https://evil.example/' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: 'CallbackNotAllowed',
      message: 'callbackUrl host is not allowed for anonymous',
    });
    expect(h.requests.allRequests()).toHaveLength(0);
    await h.app.close();
  });

  it('asks for no callback target (no DNS lookup) when the submission itself is refused', async () => {
    const callbackTargets = targets(null);
    const h = await harness({ callbackTargets });
    const response = await post(h.app, {
      ...current,
      dataDate: '1999-01-01',
      callbackUrl: 'https://hooks.example.com/x',
    });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(callbackTargets.asked).toEqual([]);
    // The same body with an acceptable date does ask.
    expect(
      (await post(h.app, { ...current, callbackUrl: 'https://hooks.example.com/x' })).statusCode,
    ).toBe(202);
    expect(callbackTargets.asked).toEqual([['anonymous', 'https://hooks.example.com/x']]);
    await h.app.close();
  });

  it("still accepts the old apiVersion, with the client's configured callback", async () => {
    const h = await harness({ callbackTargets: targets('https://configured.example/') });
    const response = await post(h.app, validBody);
    expect(response.statusCode).toBe(202);
    expect(response.json().callbackUrl).toBe('https://configured.example/');
    const old = await post(h.app, { ...validBody, callbackUrl: 'https://hooks.example.com/x' });
    expect(old.statusCode).toBe(400);
    expect(old.json().message).toBe('callbackUrl needs apiVersion 2026-12-05');
    await h.app.close();
  });

  it("shows the request's callback attempts in its view", async () => {
    const attempts = new InMemoryCallbackAttemptLog();
    const h = await harness({ callbackTargets: targets(null), callbackAttempts: attempts });
    const posted = await post(h.app, { ...current, callbackUrl: 'https://hooks.example.com/x' });
    const id = posted.json().backupRequestId as string;
    await attempts.record({
      backupRequestId: id,
      eventId: `${id}:Failed`,
      attemptedAt: new Date('2024-03-01T10:05:00Z'),
      outcome: 'failed',
      statusCode: 503,
      durationMs: 41.7,
      reason: 'receiver hooks.example.com answered HTTP 503',
    });
    const read = await h.app.inject({ method: 'GET', url: `/api/backup-requests/${id}` });
    expect(read.statusCode).toBe(200);
    expect(read.json().callbackAttempts).toEqual([
      {
        eventId: `${id}:Failed`,
        attemptedAt: '2024-03-01T10:05:00.000Z',
        outcome: 'failed',
        statusCode: 503,
        durationMs: 42,
        reason: 'receiver hooks.example.com answered HTTP 503',
      },
    ]);
    await h.app.close();
  });

  it('refuses a callbackUrl when no callbacks are configured', async () => {
    const h = await harness();
    const response = await post(h.app, { ...current, callbackUrl: 'https://hooks.example.com/x' });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('CallbackNotAllowed');
    await h.app.close();
  });
});

describe('authentication', () => {
  const good = 'good-token-of-team-a-0123456789abcdef';
  const readonly = 'read-only-token-of-team-b-0123456789ab';
  const tokens = JSON.stringify([
    {
      requesterId: 'team-a',
      token: good,
      scopes: ['post-backup-request'],
      jobs: '*',
      locations: '*',
    },
    { requesterId: 'team-b', token: readonly, scopes: [], jobs: '*', locations: '*' },
  ]);
  let h: Harness;
  beforeEach(async () => (h = await harness({ authenticate: staticTokenAuthenticator(tokens) })));
  afterEach(async () => h.app.close());

  it('answers 401 with a Bearer challenge without a token and with an unknown token', async () => {
    const missing = await post(h.app, validBody);
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="linebacker"');
    const unknown = await post(h.app, validBody, { authorization: `Bearer ${good}x` });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(unknown.json()).toEqual({ code: 'InvalidToken', message: expect.any(String) });
    expect(h.requests.allRequests()).toHaveLength(0);
  });

  it('authenticates before reading the body: a bad body without a token is 401', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/backup-requests',
      payload: '{"apiVersion":',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(401);
  });

  it('answers 403 for a token without the post-backup-request scope', async () => {
    const response = await post(h.app, validBody, { authorization: `Bearer ${readonly}` });
    expect(response.statusCode).toBe(403);
    expect(h.requests.allRequests()).toHaveLength(0);
  });

  it('records the token holder as requester and hides the request from others', async () => {
    const created = await post(h.app, validBody, { authorization: `Bearer ${good}` });
    expect(created.json().requesterId).toBe('team-a');
    const id = created.json().backupRequestId;
    const own = await h.app.inject({
      url: `/api/backup-requests/${id}`,
      headers: { authorization: `Bearer ${good}` },
    });
    expect(own.statusCode).toBe(200);
    const other = await h.app.inject({
      url: `/api/backup-requests/${id}`,
      headers: { authorization: `Bearer ${readonly}` },
    });
    expect(other.statusCode).toBe(404);
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After past the per-minute limit, and never limits zpages', async () => {
    const h = await harness({ limits: { rateLimitPerMinute: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(h.app, validBody)).statusCode);
    expect(statuses).toEqual([202, 202, 429]);
    const limited = await post(h.app, validBody);
    expect(limited.headers['retry-after']).toBeDefined();
    for (let i = 0; i < 5; i++)
      expect((await h.app.inject({ url: '/api/zpages/readyz' })).statusCode).toBe(200);
    await h.app.close();
  });

  it('counts per principal, so one client cannot use up another’s allowance', async () => {
    const clients = ['a', 'b'].map((name) => ({
      requesterId: `client-${name}`,
      token: `token-of-client-${name}-0123456789abcdef0123`,
      scopes: ['post-backup-request'],
      jobs: '*',
      locations: '*',
    }));
    const h = await harness({
      authenticate: staticTokenAuthenticator(JSON.stringify(clients)),
      limits: { rateLimitPerMinute: 2 },
    });
    const as = (client: (typeof clients)[number]) =>
      post(h.app, validBody, { authorization: `Bearer ${client.token}` });
    const [a, b] = clients as [(typeof clients)[0], (typeof clients)[0]];
    expect([(await as(a)).statusCode, (await as(a)).statusCode, (await as(a)).statusCode]).toEqual([
      202, 202, 429,
    ]);
    expect((await as(b)).statusCode).toBe(202);
    await h.app.close();
  });
});

describe('GET /api/backup-requests/:id', () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(async () => h.app.close());

  it('returns the request with its history and no Backup yet', async () => {
    const id = (await post(h.app, validBody)).json().backupRequestId;
    const response = await h.app.inject({ url: `/api/backup-requests/${id}` });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ backupRequestId: id, statusTypeCode: 'Received', backup: null });
    expect(body.history).toEqual([
      expect.objectContaining({ fromStatus: null, toStatus: 'Received' }),
    ]);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = await h.app.inject({
      url: '/api/backup-requests/3f2c1d9e-8a7b-4c6d-9e0f-1a2b3c4d5e6f',
    });
    expect(unknown.statusCode).toBe(404);
    expect((await h.app.inject({ url: '/api/backup-requests/not-a-uuid' })).statusCode).toBe(400);
  });
});

describe('the public port', () => {
  it('reports liveness and readiness as a verdict only', async () => {
    const h = await harness();
    expect((await h.app.inject({ url: '/api/zpages/livez' })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/zpages/readyz' })).json()).toEqual({ status: 'ready' });
    h.setReady(false);
    expect((await h.app.inject({ url: '/api/zpages/readyz' })).statusCode).toBe(503);
    await h.app.close();
  });

  it('serves no operator page: healthz, metrics and OpenAPI live on the operator listener', async () => {
    const h = await harness();
    for (const url of ['/api/zpages/healthz', '/metrics', '/api/openapi.json'])
      expect((await h.app.inject({ url })).statusCode).toBe(404);
    await h.app.close();
  });

  it('marks API answers no-store and nosniff', async () => {
    const h = await harness();
    const response = await post(h.app, validBody);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toMatch(/default-src 'none'/);
    await h.app.close();
  });

  it('sends the security headers on every answer, errors included, and no HSTS', async () => {
    const h = await harness();
    for (const response of [
      await post(h.app, validBody),
      await h.app.inject({ url: '/api/no-such-route' }),
    ]) {
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'cross-origin-resource-policy': 'same-origin',
        'referrer-policy': 'no-referrer',
      });
      expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
    await h.app.close();
  });

  it('generates the OpenAPI document from the route schemas', async () => {
    const h = await harness();
    await h.app.ready();
    const doc = h.app.swagger() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/backup-requests', '/api/backup-requests/{id}']),
    );
    await h.app.close();
  });
});

describe('fuzzing bodies and headers', () => {
  it('never answers 5xx and never stores a row for a 4xx', async () => {
    const h = await harness();
    const field = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.integer(),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.string()),
    );
    const body = fc.oneof(
      fc.record(
        {
          apiVersion: fc.oneof(fc.constant('2022-05-22'), field),
          backupJobId: field,
          dataDate: fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
            field,
          ),
          backupDataLocation: field,
        },
        { requiredKeys: [] },
      ),
      fc.dictionary(fc.string({ maxLength: 12 }), field),
      fc.anything(),
    );
    const headers = fc.record(
      {
        'idempotency-key': fc.string({ maxLength: 210 }),
        'x-correlation-id': fc.string({ maxLength: 120 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, headers, async (payload, extraHeaders) => {
        const before = h.requests.allRequests().length;
        const response = await h.app.inject({
          method: 'POST',
          url: '/api/backup-requests',
          payload: JSON.stringify(payload) ?? 'null',
          headers: { 'content-type': 'application/json', ...extraHeaders },
        });
        expect(response.statusCode).toBeLessThan(500);
        const stored = h.requests.allRequests().length - before;
        if (response.statusCode >= 400) expect(stored).toBe(0);
      }),
      { numRuns: 300 },
    );
    await h.app.close();
  });
});

describe('correlation id and RED metrics', () => {
  let h: Harness;
  beforeEach(async () => (h = await harness()));
  afterEach(async () => h.app.close());

  const sample = async (name: string, labels: Record<string, string>) => {
    const metric = (await h.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
    const values = (metric?.values ?? []) as Array<{ labels: object; value: number }>;
    return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k as never] === l))
      ?.value;
  };

  it('takes a safe X-Request-Id as the correlation id and stores it on the request', async () => {
    const response = await post(h.app, validBody, { 'x-request-id': 'trace-42' });
    expect(response.headers['x-correlation-id']).toBe('trace-42');
    expect(h.requests.allRequests()[0]?.correlationId).toBe('trace-42');
    expect(h.requests.outbox[0]?.correlationId).toBe('trace-42');
  });

  it('prefers X-Correlation-Id and replaces an unsafe id with a fresh one', async () => {
    const both = await post(h.app, validBody, { 'x-correlation-id': 'c-1', 'x-request-id': 'r-1' });
    expect(both.headers['x-correlation-id']).toBe('c-1');
    const unsafe = await post(h.app, validBody, { 'x-request-id': 'a b;<script>' });
    expect(unsafe.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts requests by route and status, and error replies by code', async () => {
    await post(h.app, validBody);
    await post(h.app, { ...validBody, apiVersion: 'nope' });
    await h.app.inject({ method: 'GET', url: '/nowhere' });
    const route = '/api/backup-requests';
    expect(await sample('linebacker_http_requests_total', { route, status: '202' })).toBe(1);
    expect(await sample('linebacker_http_requests_total', { route, status: '400' })).toBe(1);
    expect(await sample('linebacker_http_errors_total', { route, code: 'InvalidApiVersion' })).toBe(
      1,
    );
    expect(
      await sample('linebacker_http_errors_total', { route: 'unmatched', status: '404' }),
    ).toBe(1);
    expect(await h.metrics.registry.metrics()).toMatch(
      /linebacker_http_request_duration_seconds_count\{[^}]*method="POST",route="\/api\/backup-requests"\} 2\n/,
    );
  });
});
