import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  FakeClock,
  InMemoryBackupRequestRepository,
  SequentialIdGenerator,
} from '@linebacker/domain/testing';
import type { CallbackAttemptLog, CallbackTargets } from '@linebacker/domain';
import { createLogger, createServiceMetrics, type ServiceMetrics } from '@linebacker/runtime';
import { buildReceiverApp, type HttpLimits } from '../app';
import { anonymousAuthenticator, type Authenticator } from '../auth/principal';

/** The receiver's app on in-memory fakes, and handles on what a test inspects. */
export interface ReceiverHarness {
  app: FastifyInstance;
  requests: InMemoryBackupRequestRepository;
  metrics: ServiceMetrics;
  /** The receiver's `warn` lines so far (refused submissions are audited there). */
  warnings: string[];
  /** The receiver's `error` lines so far (a 5xx is logged there). */
  errors: string[];
  setReady(ready: boolean): void;
}

/** What a test may change; everything else is a small, permissive default. */
export interface ReceiverHarnessOptions {
  authenticate?: Authenticator;
  limits?: Partial<HttpLimits>;
  now?: Date;
  callbackTargets?: CallbackTargets;
  callbackAttempts?: CallbackAttemptLog;
}

/** Builds the receiver's Fastify app (not listening) on the domain's fakes. */
export async function receiverHarness(
  options: ReceiverHarnessOptions = {},
): Promise<ReceiverHarness> {
  const requests = new InMemoryBackupRequestRepository('http-receiver');
  const metrics = createServiceMetrics('http-receiver');
  const warnings: string[] = [];
  const errors: string[] = [];
  let ready = true;
  const logger = createLogger({
    service: 'http-receiver',
    stream: new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        const line = chunk.toString();
        if (line.includes('"level":"warn"')) warnings.push(line);
        if (line.includes('"level":"error"')) errors.push(line);
        // DEBUG_LOG=1 shows the receiver's log lines while debugging a failing test.
        if (process.env['DEBUG_LOG']) process.stderr.write(line);
        done();
      },
    }),
  });
  const app = await buildReceiverApp({
    requests,
    backups: requests,
    ids: new SequentialIdGenerator(),
    clock: new FakeClock(options.now ?? new Date('2024-03-01T10:00:00Z')),
    authenticate: options.authenticate ?? anonymousAuthenticator,
    ...(options.callbackTargets ? { callbackTargets: options.callbackTargets } : {}),
    ...(options.callbackAttempts ? { callbackAttempts: options.callbackAttempts } : {}),
    dataDateWindow: { maxAgeDays: 3650, maxAheadDays: 1 },
    ready: async () => ready,
    metrics,
    logger,
    limits: {
      bodyLimitBytes: 4096,
      requestTimeoutMs: 5000,
      headersTimeoutMs: 5000,
      keepAliveTimeoutMs: 5000,
      maxConnections: 100,
      rateLimitPerMinute: 0,
      trustProxy: 'false',
      ...options.limits,
    },
  });
  return { app, requests, metrics, warnings, errors, setReady: (value) => (ready = value) };
}
