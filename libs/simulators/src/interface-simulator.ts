import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { PermanentError, type InterfaceRequest, type StoreStatusReply } from '@linebacker/domain';

/** How the simulated backup interface behaves. */
export interface InterfaceSimulatorOptions {
  /** Delay between taking a request and replying. */
  replyDelayMs: number;
  /** Share of requests answered Failed, 0..1, decided per request id (reproducible). */
  failedShare: number;
  /** Answer duplicates (same message id) again instead of dropping them. */
  replyToDuplicates?: boolean;
  /**
   * Share of requests never answered, 0..1, decided per request id (reproducible): an
   * interface that lost them, for tests of the reply deadline. Default 0.
   */
  silentShare?: number;
}

/** What the simulator has seen, for tests, the chaos checker and the benchmark. */
export interface InterfaceSimulatorStats {
  /** Requests linebacker sent: first deliveries (a copy linebacker sent twice counts twice). */
  attempts: number;
  /**
   * Deliveries the simulator's own consumers had before (its reply failed or it was frozen
   * holding them): the interface's retries, not linebacker's, so not attempts.
   */
  ownRedeliveries: number;
  distinctRequests: number;
  /** Attempts whose message id had been seen before. */
  duplicateAttempts: number;
  /** Duplicates whose message id differed from the request id (must stay 0). */
  mismatchedMessageIds: number;
  replies: number;
  succeeded: number;
  failed: number;
}

/** Sends a status reply to linebacker's reply queue (confirmed). */
export type ReplySender = (reply: StoreStatusReply) => Promise<void>;

/** A number in [0, 1) derived from the id, so a run's Failed share is reproducible. */
export function unitHash(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The backup interface simulator's behaviour, independent of transport: counts every attempt
 * and every distinct request id, drops duplicates by message id like the real interface, and
 * replies after a delay with a reproducible Succeeded/Failed mix. `handle` resolves only after
 * the reply was sent, so a transport can ack the request then (a crash means redelivery).
 */
export class InterfaceSimulator {
  private readonly seen = new Map<string, number>();
  /** Ids whose reply went out: only these make a later delivery a duplicate to drop. */
  private readonly answered = new Set<string>();
  /** Ids being answered now, each with whether its reply went out once that is known. */
  private readonly answering = new Map<string, Promise<boolean>>();
  private readonly counts: InterfaceSimulatorStats = {
    attempts: 0,
    ownRedeliveries: 0,
    distinctRequests: 0,
    duplicateAttempts: 0,
    mismatchedMessageIds: 0,
    replies: 0,
    succeeded: 0,
    failed: 0,
  };

  constructor(
    private readonly options: InterfaceSimulatorOptions,
    private readonly sendReply: ReplySender,
  ) {}

  /**
   * Takes one request delivered with the given AMQP message id; says whether it was answered,
   * dropped as a duplicate, or ignored (one of the `silentShare`) (the transport logs it, so a run can follow every request).
   */
  async handle(
    request: InterfaceRequest,
    messageId: string | undefined,
    redelivered = false,
  ): Promise<'answered' | 'duplicate' | 'ignored'> {
    const key = messageId ?? request.backupRequestId;
    const previous = this.seen.get(key) ?? 0;
    // A redelivery of a request never seen (this process started after its first delivery)
    // still counts, so no request goes uncounted.
    if (redelivered && previous > 0) this.counts.ownRedeliveries += 1;
    else {
      this.counts.attempts += 1;
      if (messageId !== request.backupRequestId) this.counts.mismatchedMessageIds += 1;
      this.seen.set(key, previous + 1);
      if (previous > 0) this.counts.duplicateAttempts += 1;
      else this.counts.distinctRequests += 1;
    }
    if (unitHash(`${request.backupRequestId}:silent`) < (this.options.silentShare ?? 0)) {
      return 'ignored';
    }
    // Like an interface that deduplicates what it has done: only a request whose reply went
    // out makes a later copy a duplicate. A copy arriving while the same request is being
    // answered waits for that answer, then is dropped if the reply went out and answered if
    // it did not (the failed delivery may never come back: a put-back copy replaced it).
    if (!this.options.replyToDuplicates) {
      for (let inFlight = this.answering.get(key); inFlight; inFlight = this.answering.get(key))
        await inFlight;
      if (this.answered.has(key)) return 'duplicate';
    }
    let settle: (sent: boolean) => void = () => undefined;
    this.answering.set(key, new Promise<boolean>((resolve) => (settle = resolve)));
    let reply: StoreStatusReply;
    let sent = false;
    try {
      if (this.options.replyDelayMs > 0) await sleep(this.options.replyDelayMs);
      reply = this.replyFor(request);
      await this.sendReply(reply);
      sent = true;
    } finally {
      this.answering.delete(key);
      if (sent) this.answered.add(key);
      settle(sent);
    }
    this.counts.replies += 1;
    if (reply.resultTypeCode === 'Succeeded') this.counts.succeeded += 1;
    else this.counts.failed += 1;
    return 'answered';
  }

  /** The reply this simulator gives a request (pure apart from the clock). */
  replyFor(request: InterfaceRequest): StoreStatusReply {
    const failed = unitHash(request.backupRequestId) < this.options.failedShare;
    const end = new Date();
    const start = new Date(end.getTime() - 1000);
    const base = {
      apiVersion: '2022-05-22',
      backupRequestId: request.backupRequestId,
      storagePathName: `${request.storagePathName}/${request.dataDate}`,
      copyStartTimestamp: start.toISOString(),
      copyEndTimestamp: end.toISOString(),
    };
    if (failed) {
      return {
        ...base,
        resultTypeCode: 'Failed',
        backupByteCount: 0,
        messageText: 'simulated copy failure',
      };
    }
    return {
      ...base,
      resultTypeCode: 'Succeeded',
      backupByteCount: 1024 + Math.floor(unitHash(`${request.backupRequestId}:size`) * 1e9),
      verifyStartTimestamp: end.toISOString(),
      verifyEndTimestamp: end.toISOString(),
      verifiedHash: createHash('sha256').update(request.backupRequestId).digest('hex'),
      messageText: 'simulated copy ok',
    };
  }

  /** A snapshot of the counters. */
  stats(): InterfaceSimulatorStats {
    return { ...this.counts };
  }

  /** How many attempts (first deliveries) each request id got (for checkers). */
  attemptsByRequest(): Record<string, number> {
    return Object.fromEntries(this.seen);
  }
}

/** Parses a request as the interface receives it; a malformed one is a permanent error. */
export function parseInterfaceRequest(body: Buffer): InterfaceRequest {
  let value: Partial<InterfaceRequest>;
  try {
    value = JSON.parse(body.toString('utf8')) as Partial<InterfaceRequest>;
  } catch {
    throw new PermanentError('InvalidInterfaceRequest', 'request is not JSON');
  }
  const fields = [
    'backupRequestId',
    'backupJobId',
    'dataDate',
    'preparedDataPathName',
    'storagePathName',
    'backupProviderCode',
  ] as const;
  const missing = fields.filter((field) => typeof value?.[field] !== 'string');
  if (missing.length > 0) {
    throw new PermanentError('InvalidInterfaceRequest', `request lacks ${missing.join(', ')}`);
  }
  return value as InterfaceRequest;
}

/** The simulator's HTTP side: `/stats` and `/stats/requests` (attempts per request id). */
export function buildInterfaceSimulatorApp(simulator: InterfaceSimulator): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/stats', async () => simulator.stats());
  app.get('/stats/requests', async () => simulator.attemptsByRequest());
  app.get('/livez', async () => ({ status: 'ok' }));
  return app;
}
