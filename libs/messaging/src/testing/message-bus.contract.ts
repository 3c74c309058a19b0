import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, TransientError, UnavailableError } from '@linebacker/domain';
import { expectNothingWithin, waitFor } from '@linebacker/testing';
import { EnvelopeCodec } from '../envelope/envelope-codec';
import type { Envelope } from '../port/envelope';
import type { DeliveryContext, HandlerOutcome, Subscription } from '../port/message-bus.port';
import {
  CONTRACT_PAYLOAD_SCHEMAS,
  ReportLog,
  contractMessage as message,
  contractSubscription as definition,
  type ContractHarness,
  type HarnessFactory,
} from './contract-harness';

type Seen = { envelope: Envelope; context: DeliveryContext; at: number };

/**
 * The behaviour every MessageBus adapter must show, run against each adapter with its own
 * harness factory: delivery and ack, retries with delays and attempt counting,
 * dead-lettering with the reason, schema checks on both sides, pause on unavailable, stop.
 */
export function describeMessageBusContract(adapter: string, factory: HarnessFactory): void {
  describe(`MessageBus contract: ${adapter}`, () => {
    let harness: ContractHarness;
    let log: ReportLog;

    beforeEach(async () => {
      log = new ReportLog();
      harness = await factory({ observer: log, payloadSchemas: CONTRACT_PAYLOAD_SCHEMAS });
    });
    afterEach(async () => harness.cleanup());

    const consume = async (
      def: ReturnType<typeof definition>,
      handle: (seen: Seen, all: Seen[]) => Promise<HandlerOutcome> = async () => 'ok',
      bus = harness.bus,
    ): Promise<{ seen: Seen[]; subscription: Subscription }> => {
      const seen: Seen[] = [];
      const subscription = await bus.subscribe(def, async (envelope, context) => {
        const entry = { envelope, context, at: Date.now() };
        seen.push(entry);
        return handle(entry, seen);
      });
      return { seen, subscription };
    };

    it('delivers a published event to its subscription with attempt 1', async () => {
      const def = definition('basic', ['contract.basic']);
      const { seen } = await consume(def);
      await harness.bus.start();
      const sent = message('contract.basic', { hello: 'world' });
      await harness.bus.publish(sent);
      await waitFor(() => seen.length === 1, 'the delivery');
      expect(seen[0]?.envelope).toMatchObject({
        messageId: sent.messageId,
        type: 'contract.basic',
        attempt: 1,
        payload: { hello: 'world' },
      });
      expect(seen[0]?.context.queue).toMatch(/contract\.basic$/);
      await waitFor(() => log.withOutcome('ok').length === 1, 'the ok report');
    });

    it('acks after success: nothing is left in the queue once the bus stops', async () => {
      const def = definition('acked', ['contract.acked']);
      const { seen } = await consume(def);
      await harness.bus.start();
      await harness.bus.publishBatch([message('contract.acked'), message('contract.acked')]);
      await waitFor(() => log.withOutcome('ok').length === 2, 'two ok reports');
      await harness.bus.stop(1000);
      expect(seen).toHaveLength(2);
      expect(await harness.queueDepth(def)).toBe(0);
    });

    it('rejects publish at once while the bus is not connected', async () => {
      await expect(harness.bus.publish(message('contract.none'))).rejects.toMatchObject({
        kind: 'unavailable',
      });
    });

    it('rejects publishing an event no subscription is bound to', async () => {
      await harness.bus.start();
      await expect(harness.bus.publish(message('contract.nobody-listens'))).rejects.toMatchObject({
        code: 'Unroutable',
      });
    });

    it('rejects publishing an invalid envelope or payload', async () => {
      await harness.bus.declare([definition('schema', ['contract.schema-checked'])]);
      await harness.bus.start();
      await expect(harness.bus.publish(message('Not A Type!'))).rejects.toMatchObject({
        code: 'InvalidMessage',
        kind: 'permanent',
      });
      const bad = message('contract.schema-checked', { n: 'one' });
      await expect(harness.bus.publish(bad)).rejects.toMatchObject({ code: 'InvalidMessage' });
      await harness.bus.publish(message('contract.schema-checked', { n: 1 }));
    });

    it('reports queue depth, consumers and dead letters of a subscription', async () => {
      const def = definition('stats', ['contract.stats']);
      const other = definition('stats-idle', ['contract.stats-idle']);
      await harness.bus.declare([other]);
      await consume(def, async () => {
        throw new PermanentError('Broken', 'always');
      });
      await harness.bus.start();
      await harness.bus.publish(message('contract.stats'));
      await harness.bus.publish(message('contract.stats-idle'));
      await waitFor(async () => (await harness.bus.deadLetters.depth(def)) === 1, 'the DLQ');
      await waitFor(async () => (await harness.bus.queueStats(other)).messages === 1, 'depth');
      expect(await harness.bus.queueStats(def)).toMatchObject({
        queue: expect.stringMatching(/contract\.stats$/),
        messages: 0,
        consumers: 1,
        retrying: 0,
        deadLetters: 1,
      });
      expect(await harness.bus.queueStats(other)).toMatchObject({ messages: 1, consumers: 0 });
      await expect(
        harness.bus.queueStats(definition('never-declared', ['contract.never'])),
      ).rejects.toMatchObject({ code: 'QueueNotFound' });
    });

    it('retries a transient failure after the delay, with attempt + 1', async () => {
      const def = definition('retry', ['contract.retry']);
      const { seen } = await consume(def, async ({ envelope }) => {
        if (envelope.attempt === 1) throw new TransientError('Flaky', 'try again');
        return 'ok';
      });
      await harness.bus.start();
      await harness.bus.publish(message('contract.retry'));
      await waitFor(() => seen.length === 2, 'the retry');
      expect(seen.map((s) => s.envelope.attempt)).toEqual([1, 2]);
      expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(90);
      await waitFor(() => log.withOutcome('ok').length === 1, 'the ok report');
      expect(log.withOutcome('retried')[0]).toMatchObject({ errorCode: 'Flaky' });
    });

    it('treats an unknown thrown value as transient', async () => {
      const def = definition('unknown', ['contract.unknown']);
      const { seen } = await consume(def, async ({ envelope }) => {
        if (envelope.attempt === 1) throw new Error('surprise');
        return 'already-done';
      });
      await harness.bus.start();
      await harness.bus.publish(message('contract.unknown'));
      await waitFor(() => log.withOutcome('already-done').length === 1, 'the second attempt');
      expect(seen.map((s) => s.envelope.attempt)).toEqual([1, 2]);
      expect(log.withOutcome('retried')[0]).toMatchObject({ errorCode: 'Unexpected' });
    });

    it('dead-letters after maxAttempts transient failures, with the reason', async () => {
      const def = definition('exhaust', ['contract.exhaust']);
      const { seen } = await consume(def, async () => {
        throw new TransientError('StillBroken', 'dependency keeps timing out');
      });
      await harness.bus.start();
      await harness.bus.publish(message('contract.exhaust'));
      await waitFor(async () => (await harness.bus.deadLetters.depth(def)) === 1, 'the DLQ');
      expect(seen.map((s) => s.envelope.attempt)).toEqual([1, 2, 3]);
      const [letter] = await harness.bus.deadLetters.list(def, 10);
      expect(letter).toMatchObject({
        errorCode: 'StillBroken',
        originalRoutingKey: 'contract.exhaust',
      });
      expect(letter?.reason).toContain('attempt 3 of 3');
    });

    it('dead-letters a permanent failure at once with code, reason, routing key and time', async () => {
      const def = definition('poison', ['contract.poison']);
      const { seen } = await consume(def, async () => {
        throw new PermanentError('BadData', 'the request id is unknown');
      });
      await harness.bus.start();
      const sent = message('contract.poison');
      await harness.bus.publish(sent);
      await waitFor(async () => (await harness.bus.deadLetters.depth(def)) === 1, 'the DLQ');
      expect(seen).toHaveLength(1);
      const [letter] = await harness.bus.deadLetters.list(def, 10);
      expect(letter).toMatchObject({
        errorCode: 'BadData',
        reason: 'the request id is unknown',
        originalRoutingKey: 'contract.poison',
      });
      expect(letter?.envelope?.messageId).toBe(sent.messageId);
      expect(Date.parse(letter?.deadLetteredAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
      expect(letter?.headers).toHaveProperty('x-linebacker-dead-lettered-at');
    });

    it('dead-letters a consumed body that fails the schema and keeps consuming behind it', async () => {
      const def = definition('garbage', ['contract.garbage']);
      const { seen } = await consume(def);
      await harness.bus.start();
      await harness.injectRaw(def, Buffer.from('{"not":"an envelope"'));
      await harness.bus.publish(message('contract.garbage'));
      await waitFor(() => seen.length === 1, 'the valid message behind the garbage');
      await waitFor(async () => (await harness.bus.deadLetters.depth(def)) === 1, 'the DLQ');
      const [letter] = await harness.bus.deadLetters.list(def, 10);
      expect(letter).toMatchObject({ errorCode: 'InvalidMessage', envelope: null });
      expect(letter?.rawBody).toBe('{"not":"an envelope"');
    });

    it('dead-letters at once, with UnexpectedType, an envelope of a type its subscription does not list', async () => {
      const def = definition('typed', ['contract.typed']);
      const { seen } = await consume(def);
      await harness.bus.start();
      // A valid envelope (its payload passes its own type's schema), put straight into the
      // queue past the bindings, as anyone allowed to publish to the default exchange can.
      const codec = new EnvelopeCodec(CONTRACT_PAYLOAD_SCHEMAS);
      const forged = codec.toEnvelope(message('contract.other-type', { backupRequestId: 'r-1' }));
      await harness.injectRaw(def, codec.encode(forged));
      await harness.bus.publish(message('contract.typed'));
      await waitFor(() => seen.length === 1, 'the expected message behind the forged one');
      await waitFor(async () => (await harness.bus.deadLetters.depth(def)) === 1, 'the DLQ');
      expect(seen.map((s) => s.envelope.type)).toEqual(['contract.typed']);
      const [letter] = await harness.bus.deadLetters.list(def, 10);
      expect(letter).toMatchObject({ errorCode: 'UnexpectedType', envelope: forged });
      expect(letter?.reason).toMatch(/type contract\.other-type is not one of .*contract\.typed/);
      const refused = log.reports.filter((r) => r.envelope?.messageId === forged.messageId);
      expect(refused).toEqual([
        expect.objectContaining({ outcome: 'dead-lettered', errorCode: 'UnexpectedType' }),
      ]);
      expect(refused[0]?.envelope?.payload).toEqual({});
    });

    it('dead-letters an envelope of a listed type at a version with no payload schema', async () => {
      const def = definition('versioned', ['contract.versioned']);
      const { seen } = await consume(def);
      await harness.bus.start();
      await harness.bus.publish({ ...message('contract.versioned'), typeVersion: 2 });
      await harness.bus.publish(message('contract.versioned'));
      await waitFor(async () => (await harness.bus.deadLetters.depth(def)) === 1, 'the DLQ');
      expect(seen.map((s) => s.envelope.typeVersion)).toEqual([2]);
      const [letter] = await harness.bus.deadLetters.list(def, 10);
      expect(letter).toMatchObject({ errorCode: 'UnexpectedType' });
      expect(letter?.reason).toMatch(/no payload schema for contract\.versioned@1/);
    });

    it('refuses to consume an event type without a payload schema, before declaring anything', async () => {
      const def = definition('unschemed', ['contract.typed', 'contract.unschemed', 'other.*']);
      await expect(harness.bus.subscribe(def, async () => 'ok')).rejects.toMatchObject({
        code: 'MissingPayloadSchema',
        kind: 'permanent',
        message: expect.stringMatching(
          /contract\.unschemed: no payload schema for contract\.unschemed, other\.\*/,
        ),
      });
      await harness.bus.start();
      await expect(harness.bus.queueStats(def)).rejects.toMatchObject({ code: 'QueueNotFound' });
    });

    it('pauses on unavailable, takes no deliveries while paused, resumes with the attempt unspent', async () => {
      const def = definition('pause', ['contract.pause'], {
        retry: { maxAttempts: 1, initialDelayMs: 400, maxDelayMs: 800 },
      });
      let down = true;
      const { seen, subscription } = await consume(def, async () => {
        if (down) throw new UnavailableError('DependencyUnavailable', 'job service refused');
        return 'ok';
      });
      await harness.bus.start();
      await harness.bus.publish(message('contract.pause'));
      await waitFor(() => subscription.isPaused(), 'the pause');
      down = false;
      await harness.bus.publish(message('contract.pause'));
      await expectNothingWithin(150, 'delivery while paused', () => seen.length > 1);
      expect(subscription.consumerCount()).toBe(0);
      await waitFor(() => seen.length === 3, 'both messages after the pause');
      expect(seen.map((s) => s.envelope.attempt)).toEqual([1, 1, 1]);
      expect(subscription.isPaused()).toBe(false);
      expect(subscription.consumerCount()).toBe(1);
      expect(log.withOutcome('deferred')).toHaveLength(1);
      expect(await harness.bus.deadLetters.depth(def)).toBe(0);
    });

    it('resumes a paused subscription only when its probe says the dependency is back', async () => {
      const def = definition('probe', ['contract.probe'], {
        retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 200 },
      });
      let probes = 0;
      const seen: number[] = [];
      const subscription = await harness.bus.subscribe(
        def,
        async () => {
          seen.push(Date.now());
          if (seen.length === 1) throw new UnavailableError('Down', 'down');
          return 'ok';
        },
        { probe: async () => ++probes >= 3 },
      );
      await harness.bus.start();
      await harness.bus.publish(message('contract.probe'));
      await waitFor(() => seen.length === 2, 'the delivery after the probe succeeded');
      expect(probes).toBe(3);
      expect(subscription.isPaused()).toBe(false);
    });

    it('times out a handler that never settles, retries it, and ignores its late result', async () => {
      const def = definition('deadline', ['contract.deadline'], { handlerTimeoutMs: 200 });
      let aborted = false;
      let settleLate = (): void => undefined;
      const late = new Promise<void>((resolve) => (settleLate = resolve));
      const { seen } = await consume(def, async ({ envelope, context }) => {
        if (envelope.attempt > 1) return 'ok';
        context.signal.addEventListener('abort', () => (aborted = true));
        await late;
        return 'ok';
      });
      await harness.bus.start();
      await harness.bus.publish(message('contract.deadline'));
      await waitFor(() => log.withOutcome('ok').length === 1, 'the retried delivery');
      expect(aborted).toBe(true);
      settleLate();
      await expectNothingWithin(100, 'report of the late result', () => log.reports.length > 2);
      expect(seen.map((s) => s.envelope.attempt)).toEqual([1, 2]);
      expect(log.withOutcome('retried')[0]).toMatchObject({ errorCode: 'HandlerTimeout' });
      expect(log.reports).toHaveLength(2);
      await harness.bus.stop(1000);
      expect(await harness.queueDepth(def)).toBe(0);
    });

    it('stop lets in-flight handlers finish within the deadline', async () => {
      const def = definition('graceful', ['contract.graceful']);
      const { seen } = await consume(def, async () => {
        await sleep(300);
        return 'ok';
      });
      await harness.bus.start();
      await harness.bus.publish(message('contract.graceful'));
      await waitFor(() => seen.length === 1, 'the delivery');
      await harness.bus.stop(3000);
      expect(log.withOutcome('ok')).toHaveLength(1);
      expect(await harness.queueDepth(def)).toBe(0);
      expect(harness.bus.isReady()).toBe(false);
    });

    it('stop leaves a handler that overruns the deadline unacked, and it is redelivered', async () => {
      const def = definition('overrun', ['contract.overrun']);
      const { seen } = await consume(def, async ({ context }) => {
        // Stubborn until aborted; its late 'ok' must not ack on the closed connection.
        await sleep(1500, undefined, { signal: context.signal }).catch(() => undefined);
        return 'ok';
      });
      await harness.bus.start();
      await harness.bus.publish(message('contract.overrun'));
      await waitFor(() => seen.length === 1, 'the delivery');
      await harness.bus.stop(100);
      const next = harness.newBus(log);
      const again = await consume(def, async () => 'ok', next);
      await next.start();
      await waitFor(() => again.seen.length === 1, 'the redelivery');
      expect(again.seen[0]?.context.redelivered).toBe(true);
      await next.stop(1000);
    });

    it('lists dead letters without removing them, replays one with attempt 1, purges the rest', async () => {
      const def = definition('replay', ['contract.replay']);
      let healed = false;
      const { seen } = await consume(def, async () => {
        if (!healed) throw new PermanentError('NotYet', 'not yet');
        return 'ok';
      });
      await harness.bus.start();
      await harness.bus.publishBatch([message('contract.replay'), message('contract.replay')]);
      await waitFor(
        async () => (await harness.bus.deadLetters.depth(def)) === 2,
        'two dead letters',
      );
      const first = await harness.bus.deadLetters.list(def, 10);
      const second = await harness.bus.deadLetters.list(def, 10);
      expect(second.map((l) => l.id)).toEqual(first.map((l) => l.id));
      expect(await harness.bus.deadLetters.depth(def)).toBe(2);
      const chosen = first[1]?.id ?? '';
      expect((await harness.bus.deadLetters.inspect(def, chosen))?.id).toBe(chosen);
      healed = true;
      expect(await harness.bus.deadLetters.replay(def, [chosen])).toBe(1);
      await waitFor(() => seen.length === 3, 'the replayed delivery');
      expect(seen[2]?.envelope.attempt).toBe(1);
      expect(seen[2]?.envelope.messageId).toBe(first[1]?.envelope?.messageId);
      expect(await harness.bus.deadLetters.depth(def)).toBe(1);
      expect(await harness.bus.deadLetters.purge(def)).toBe(1);
      expect(await harness.bus.deadLetters.depth(def)).toBe(0);
    });

    it('delivers every message of a batch across competing buses', async () => {
      const def = definition('batch', ['contract.batch'], { prefetch: 5 });
      const other = harness.newBus();
      const a = await consume(def);
      const b = await consume(def, async () => 'ok', other);
      await harness.bus.start();
      await other.start();
      const batch = Array.from({ length: 60 }, (_, n) => message('contract.batch', { n }));
      await harness.bus.publishBatch(batch);
      await waitFor(() => a.seen.length + b.seen.length === 60, 'all 60 messages');
      const ids = new Set([...a.seen, ...b.seen].map((s) => s.envelope.messageId));
      expect(ids.size).toBe(60);
      await other.stop(1000);
    });

    it('settles every delivery exactly once when handlers finish out of order', async () => {
      // At a high prefetch, acks of handlers finishing together are coalesced (AMQP: one
      // multiple ack); a slow handler must hold back none of them and be covered by none.
      const def = definition('unordered', ['contract.unordered'], { prefetch: 100 });
      const { seen } = await consume(def, async ({ envelope }) => {
        const n = (envelope.payload as { n: number }).n;
        if (n % 7 === 0) await sleep(30 + (n % 3) * 20);
        return 'ok';
      });
      await harness.bus.start();
      const batch = Array.from({ length: 400 }, (_, n) => message('contract.unordered', { n }));
      await harness.bus.publishBatch(batch);
      await waitFor(() => log.withOutcome('ok').length === 400, '400 ok reports');
      await harness.bus.stop(1000);
      expect(new Set(seen.map((s) => s.envelope.messageId)).size).toBe(400);
      expect(seen.filter((s) => s.context.redelivered)).toEqual([]);
      expect(await harness.queueDepth(def)).toBe(0);
      expect(log.channelErrors).toEqual([]);
    });
  });
}
