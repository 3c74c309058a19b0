import {
  EVENT_TYPES,
  PermanentError,
  type EventType,
  type OutboxMessage,
  type OutboxRecord,
} from '@linebacker/domain';
import { settlesWithin } from '@linebacker/runtime';
import { expectNothingWithin, waitFor } from '@linebacker/testing';
import { InMemoryMessageBus } from '../memory/in-memory-message-bus';
import type { Envelope } from '../port/envelope';
import { anyPayloadSchemas, contractSubscription } from '../testing/contract-harness';
import { InMemoryOutboxStore } from '../testing/in-memory-outbox-store';
import { OutboxRelay } from './outbox-relay';

let counter = 0;
const row = (type: EventType = EVENT_TYPES.received): OutboxMessage => ({
  messageId: `row-${++counter}`,
  type,
  correlationId: 'corr',
  causationId: null,
  occurredAt: new Date(),
  payload: { n: counter },
});

describe('OutboxRelay', () => {
  let bus: InMemoryMessageBus;
  let store: InMemoryOutboxStore;
  let received: Envelope[];
  const relays: OutboxRelay[] = [];
  const relay = (options: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}) => {
    const r = new OutboxRelay({ store, bus, pollIntervalMs: 60_000, ...options });
    relays.push(r);
    return r;
  };

  beforeEach(async () => {
    bus = new InMemoryMessageBus({
      payloadSchemas: anyPayloadSchemas(EVENT_TYPES.received, EVENT_TYPES.failed),
    });
    store = new InMemoryOutboxStore();
    received = [];
    const def = contractSubscription('relay', [EVENT_TYPES.received], { prefetch: 1 });
    await bus.subscribe(def, async (envelope) => {
      received.push(envelope);
      return 'ok';
    });
    await bus.start();
  });

  afterEach(async () => {
    for (const r of relays.splice(0)) await r.stop(100);
    await bus.stop(100);
  });

  it('publishes committed rows in sequence order and marks them sent', async () => {
    const rows = store.add(...Array.from({ length: 250 }, () => row()));
    relay({ batchSize: 100 }).start();
    await waitFor(() => received.length === 250, 'every row consumed');
    expect(received.map((e) => e.messageId)).toEqual(rows.map((r) => r.messageId));
    expect(store.sent).toHaveLength(250);
    expect(await store.backlog(new Date())).toEqual({ count: 0, oldestAgeMs: 0 });
  });

  it('tells the rows of every take, an empty one as 0', async () => {
    const takes: number[] = [];
    const r = relay({ batchSize: 2, onTake: (count) => takes.push(count) });
    store.add(row(), row(), row());
    await r.relayOnce();
    await r.relayOnce();
    await r.relayOnce();
    expect(takes).toEqual([2, 1, 0]);
  });

  it('maps an outbox row to the envelope field by field', async () => {
    const [record] = store.add(row());
    await relay().relayOnce();
    await waitFor(() => received.length === 1, 'the message');
    expect(received[0]).toMatchObject({
      messageId: record?.messageId,
      type: EVENT_TYPES.received,
      correlationId: 'corr',
      causationId: null,
      occurredAt: record?.occurredAt.toISOString(),
      attempt: 1,
      payload: record?.payload,
    });
  });

  it('relays at once when woken, without waiting for the poll', async () => {
    const r = relay();
    r.start();
    await waitFor(() => store.batchesAsked >= 1, 'the first idle pass');
    store.add(row(), row());
    r.wake();
    await waitFor(() => received.length === 2, 'the woken relay', 1000);
  });

  it('picks up rows nobody woke it for on the periodic poll', async () => {
    relay({ pollIntervalMs: 50 }).start();
    await waitFor(() => store.batchesAsked >= 1, 'the first idle pass');
    store.add(row());
    await waitFor(() => received.length === 1, 'the polled row', 1000);
  });

  it('backs off while the broker is unavailable and delivers everything afterwards', async () => {
    const errors: unknown[] = [];
    const r = relay({
      pollIntervalMs: 50,
      backoffInitialDelayMs: 20,
      backoffMaxDelayMs: 50,
      onError: (error) => errors.push(error),
    });
    bus.simulateOutage();
    store.add(row(), row(), row());
    r.start();
    await waitFor(() => errors.length >= 2, 'repeated failed attempts');
    expect(errors[0]).toMatchObject({ kind: 'unavailable' });
    bus.endOutage();
    await waitFor(() => received.length === 3, 'the rows after the outage');
    expect(store.sent).toHaveLength(3);
  });

  it('publishes every row exactly once with two relays sharing the store', async () => {
    store.add(...Array.from({ length: 300 }, () => row()));
    relay({ batchSize: 7 }).start();
    relay({ batchSize: 11 }).start();
    await waitFor(() => received.length === 300, 'every row');
    expect(new Set(received.map((e) => e.messageId)).size).toBe(300);
    expect(store.sent).toHaveLength(300);
  });

  it('sets aside a row that fails to publish alone, and relays the rows on both sides of it in order', async () => {
    const errors: unknown[] = [];
    const setAside: { record: OutboxRecord; error: unknown; retryInMs: number }[] = [];
    const [g1, g2] = store.add(row(), row());
    const [bad] = store.add(row(EVENT_TYPES.failed)); // no subscription is bound to it: unroutable
    const [g3] = store.add(row());
    const r = relay({
      backoffInitialDelayMs: 10,
      backoffMaxDelayMs: 20,
      setAsideMs: 60_000,
      onError: (e) => errors.push(e),
      onSetAside: (record, error, retryInMs) => setAside.push({ record, error, retryInMs }),
    });
    r.start();
    await waitFor(() => store.sent.length === 3, 'the rows around the bad one');
    // Marked sent: every row but the bad one, in order. (The first, failed batch had already
    // published some of them: at-least-once, consumers are idempotent.)
    expect(store.sent.map((r) => r.messageId)).toEqual([g1, g2, g3].map((r) => r?.messageId));
    expect(errors).toHaveLength(1); // the batch of four; the bad row alone is set aside
    expect(errors[0]).toMatchObject({ code: 'Unroutable', kind: 'permanent' });
    expect(setAside).toEqual([
      {
        record: bad,
        error: expect.objectContaining({ code: 'Unroutable' }),
        retryInMs: 60_000,
      },
    ]);
    // It stays in the outbox, where the backlog's age shows it, and is left out of the takes.
    expect((await store.backlog(new Date())).count).toBe(1);
    const takes = store.takes.length;
    r.wake();
    await waitFor(() => store.takes.length > takes, 'one more take');
    expect(store.takes.at(-1)).toEqual({ skip: [bad?.sequence] });
    expect(setAside).toHaveLength(1);
  });

  it('takes a set-aside row again when its period ends, doubling it, and publishes it once it can', async () => {
    const retries: number[] = [];
    const [bad] = store.add(row(EVENT_TYPES.failed));
    const r = relay({
      pollIntervalMs: 20,
      setAsideMs: 100,
      onSetAside: (_record, _error, retryInMs) => retries.push(retryInMs),
    });
    r.start();
    await waitFor(() => retries.length === 2, 'set aside twice');
    expect(retries).toEqual([100, 200]);
    // The event's queue appears (provisioned again, say): the row goes out at its next turn.
    const def = contractSubscription('late', [EVENT_TYPES.failed], { prefetch: 1 });
    await bus.subscribe(def, async (envelope) => {
      received.push(envelope);
      return 'ok';
    });
    await waitFor(() => store.sent.length === 1, 'the row published', 2_000);
    expect(store.sent[0]?.messageId).toBe(bad?.messageId);
    expect(retries.length).toBeLessThanOrEqual(3);
  });

  it('sets nothing aside when the database fails a one-row take, before or after its publish', async () => {
    const errors: unknown[] = [];
    const setAside: OutboxRecord[] = [];
    const [record] = store.add(row());
    let takes = 0;
    // Refuses every take; every other one only after publishing its row, as a refused COMMIT.
    const refusing = {
      processBatch: async (_limit: number, publish: (records: OutboxRecord[]) => Promise<void>) => {
        takes += 1;
        if (takes % 2 === 0 && record) await publish([record]);
        throw new PermanentError('InsufficientPrivilege', 'permission denied for table outbox');
      },
      backlog: async () => ({ count: 1, oldestAgeMs: 0 }),
    };
    const r = relay({
      store: refusing,
      backoffInitialDelayMs: 5,
      backoffMaxDelayMs: 5,
      onError: (e) => errors.push(e),
      onSetAside: (setAsideRecord) => setAside.push(setAsideRecord),
    });
    r.start();
    await waitFor(() => errors.length >= 6, 'one-row takes refused, published or not');
    expect(received.length).toBeGreaterThanOrEqual(2); // the row did go out before the refusals
    expect(setAside).toEqual([]);
  });

  it('flushes what is left when stopped, within the deadline', async () => {
    const r = relay({ batchSize: 10 });
    r.start();
    store.add(...Array.from({ length: 35 }, () => row()));
    await r.stop(2000);
    expect(store.sent).toHaveLength(35);
  });

  it('ends its idle wait when stopped, and flushes the rows nobody woke it for', async () => {
    const r = relay();
    r.start();
    await waitFor(() => store.batchesAsked >= 1, 'the first idle pass');
    store.add(row(), row());
    // The poll is a minute away and the deadline 5 s: only an idle wait that the stop ends
    // lets the flush run, and well before the deadline.
    expect(await settlesWithin(r.stop(5_000), 1_000)).toBe(true);
    expect(store.sent).toHaveLength(2);
  });

  describe('with a lane (ADR 0412)', () => {
    it("takes its own lane's rows when woken and leaves another lane's young rows", async () => {
      const own = store.addOnLane(5, row(), row());
      store.addOnLane(9, row());
      const r = relay({ lane: 5, sweepAfterMs: 60_000 });
      r.start();
      r.wake();
      await waitFor(() => received.length === 2, 'its own rows');
      expect(received.map((e) => e.messageId)).toEqual(own.map((record) => record.messageId));
      await expectNothingWithin(100, "the other lane's row", () => received.length > 2);
      expect(store.takes).toContainEqual({ lane: 5 });
      expect(store.takes).toContainEqual({ olderThanMs: 60_000 });
      expect(store.takes.filter((take) => take === undefined)).toEqual([]);
    });

    it("sweeps another lane's rows once they are older than the sweep age", async () => {
      const writtenAt = Date.now();
      const [orphan] = store.addOnLane(9, row());
      const publishedAt: number[] = [];
      const r = relay({
        lane: 5,
        pollIntervalMs: 20,
        sweepAfterMs: 200,
        onTake: (count) => (count > 0 ? publishedAt.push(Date.now()) : undefined),
      });
      r.start();
      await waitFor(() => received.length === 1, 'the swept row');
      expect(received[0]?.messageId).toBe(orphan?.messageId);
      expect((publishedAt[0] ?? 0) - writtenAt).toBeGreaterThanOrEqual(200);
    });

    it('sweeps at most once per poll interval while its own lane keeps it busy', async () => {
      const r = relay({ lane: 5, batchSize: 10, pollIntervalMs: 60_000, sweepAfterMs: 1_000 });
      store.addOnLane(5, ...Array.from({ length: 30 }, () => row()));
      // Full batches of 10: the loop goes on at once, three times, then finds the lane empty.
      r.start();
      await waitFor(() => received.length === 30, 'its own rows');
      await waitFor(() => store.takes.length >= 5, 'the last, empty take');
      const sweeps = store.takes.filter((take) => take !== undefined && 'olderThanMs' in take);
      expect(sweeps).toEqual([{ olderThanMs: 1_000 }]);
    });

    it("keeps relaying its own lane while another lane's rows fail to publish, and sweeps past the bad one", async () => {
      const errors: { error: unknown; retryInMs: number }[] = [];
      const setAside: OutboxRecord[] = [];
      const [bad] = store.addOnLane(9, row(EVENT_TYPES.failed)); // unroutable: no subscription
      const [orphan] = store.addOnLane(9, row());
      const r = relay({
        lane: 5,
        pollIntervalMs: 20,
        sweepAfterMs: 0,
        // A relay backing off for its sweep's failure would hold its own rows for 2 s or more.
        backoffInitialDelayMs: 2_000,
        backoffMaxDelayMs: 4_000,
        onError: (error, retryInMs) => errors.push({ error, retryInMs }),
        onSetAside: (record) => setAside.push(record),
      });
      r.start();
      await waitFor(() => errors.length >= 1, 'the sweep failing at the bad row');
      expect(errors[0]?.error).toMatchObject({ code: 'Unroutable', kind: 'permanent' });
      expect(errors[0]?.retryInMs).toBeGreaterThanOrEqual(1_600);
      const own = store.addOnLane(5, row(), row());
      r.wake();
      const sent = () => store.sent.map((record) => record.messageId);
      await waitFor(() => sent().length === 2, 'its own rows meanwhile', 1_000);
      expect(sent()).toEqual(own.map((record) => record.messageId));
      // After its backoff the sweep goes one row at a time: the bad row alone, then the rest.
      await waitFor(() => sent().length === 3, 'the orphan past the bad row', 5_000);
      expect(sent()[2]).toBe(orphan?.messageId);
      expect(setAside).toEqual([bad]);
      expect(errors).toHaveLength(1);
    });

    it('flushes only its own lane when it stops', async () => {
      const own = store.addOnLane(5, row());
      store.addOnLane(9, row());
      await relay({ lane: 5 }).stop(1_000);
      expect(store.sent.map((record) => record.messageId)).toEqual([own[0]?.messageId]);
    });
  });

  // A broker node paused mid-publish: a batch's confirms never arrive.
  const hung = { publishBatch: () => new Promise<void>(() => undefined) };

  it("gives up the running loop's batch whose confirms never come at the deadline", async () => {
    const r = relay({ bus: hung, batchSize: 10 });
    store.add(...Array.from({ length: 5 }, () => row()));
    r.start();
    await waitFor(() => store.batchesAsked > 0, 'the loop holding a batch');
    expect(await settlesWithin(r.stop(200), 1_000)).toBe(true);
    expect(store.sent).toEqual([]);
    expect(store.batchesAsked).toBe(1);
  });

  it('gives up its own final flush whose confirms never come at the deadline', async () => {
    // Never started: the only batch is the one stop() flushes.
    const r = relay({ bus: hung, batchSize: 10 });
    store.add(...Array.from({ length: 5 }, () => row()));
    expect(await settlesWithin(r.stop(200), 1_000)).toBe(true);
    expect(store.sent).toEqual([]);
    expect(store.batchesAsked).toBe(1);
  });
});
