import { PermanentError, TransientError } from '@linebacker/domain';
import type { RawMessageReport } from '../port/external-queue.port';
import type { InboundDelivery } from './inbound-delivery';
import { HEADERS, type MessageHeaders } from './message-headers';
import { PauseController } from './pause-controller';
import { RawQueueRunner } from './raw-queue-runner';

type Sent = { to: 'parked' | 'queue'; headers: MessageHeaders; messageId?: string };

function delivery(overrides: Partial<InboundDelivery> = {}): InboundDelivery & { log: string[] } {
  const log: string[] = [];
  return {
    body: Buffer.from('{"reply":true}'),
    routingKey: 'replies',
    redelivered: false,
    headers: {},
    ack: () => (log.push('ack'), true),
    requeue: () => (log.push('requeue'), true),
    log,
    ...overrides,
  };
}

describe('RawQueueRunner', () => {
  let sent: Sent[];
  let reports: RawMessageReport[];
  let handled: number;
  let seenRedelivered: boolean[];
  let failPutBack: boolean;

  const runner = (handler: () => Promise<void>, redeliveryLimit?: number) =>
    new RawQueueRunner({
      queue: 'replies',
      handler: async (message) => {
        handled += 1;
        seenRedelivered.push(message.redelivered);
        await handler();
      },
      handlerTimeoutMs: 1000,
      park: async (_body, headers, messageId) =>
        void sent.push({ to: 'parked', headers, messageId }),
      putBack: async (_body, headers, messageId) => {
        if (failPutBack) throw new TransientError('BrokerDown', 'no channel');
        sent.push({ to: 'queue', headers, messageId });
      },
      redeliveryLimit,
      pauser: new PauseController(
        {
          subscription: 'replies',
          policy: { maxAttempts: 1, initialDelayMs: 10_000, maxDelayMs: 10_000 },
          probeTimeoutMs: 100,
        },
        { setConsuming: async () => undefined },
      ),
      observer: { onMessage: (r) => reports.push(r) },
    });

  beforeEach(() => {
    sent = [];
    reports = [];
    handled = 0;
    seenRedelivered = [];
    failPutBack = false;
  });

  it('handles a first delivery without counting it', async () => {
    const d = delivery();
    await runner(async () => undefined, 2).handle(d, 'm1');
    expect(handled).toBe(1);
    expect(d.log).toEqual(['ack']);
    expect(sent).toEqual([]);
    expect(reports[0]).toMatchObject({ outcome: 'ok', messageId: 'm1' });
  });

  it('puts a counted copy of a broker redelivery back, with its message id, and acks it', async () => {
    const d = delivery({ redelivered: true, headers: { [HEADERS.redeliveries]: 1 } });
    await runner(async () => undefined, 2).handle(d, 'm1');
    expect(handled).toBe(0);
    expect(sent).toEqual([
      { to: 'queue', headers: { [HEADERS.redeliveries]: 2 }, messageId: 'm1' },
    ]);
    expect(d.log).toEqual(['ack']);
    expect(reports[0]).toMatchObject({ outcome: 'requeued', reason: 'redelivery 2 of 2' });
  });

  it('parks a message redelivered more often than the limit', async () => {
    const d = delivery({ redelivered: true, headers: { [HEADERS.redeliveries]: 2 } });
    await runner(async () => undefined, 2).handle(d, 'm1');
    expect(handled).toBe(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      to: 'parked',
      headers: { [HEADERS.errorCode]: 'DeliveryLimitExceeded' },
      messageId: 'm1',
    });
    expect(d.log).toEqual(['ack']);
    expect(reports[0]).toMatchObject({ outcome: 'parked', errorCode: 'DeliveryLimitExceeded' });
  });

  it('parks a message its handler refuses with its message id, so a replay keeps it', async () => {
    const d = delivery();
    await runner(async () => {
      throw new PermanentError('InvalidInterfaceReply', 'not a reply');
    }, 2).handle(d, 'm1');
    expect(sent).toEqual([
      {
        to: 'parked',
        headers: expect.objectContaining({ [HEADERS.errorCode]: 'InvalidInterfaceReply' }),
        messageId: 'm1',
      },
    ]);
    expect(d.log).toEqual(['ack']);
  });

  it('handles redeliveries normally when no limit is set', async () => {
    const d = delivery({ redelivered: true, headers: { [HEADERS.redeliveries]: 50 } });
    await runner(async () => undefined).handle(d, 'm1');
    expect(handled).toBe(1);
    expect(reports[0]).toMatchObject({ outcome: 'ok' });
  });

  it('puts a copy back with an unchanged count on a transient failure, so outages do not count', async () => {
    const d = delivery({ headers: { [HEADERS.redeliveries]: 1 } });
    await runner(async () => {
      throw new TransientError('DatabaseDown', 'no connection');
    }, 2).handle(d, 'm1');
    expect(sent).toEqual([
      {
        to: 'queue',
        headers: { [HEADERS.redeliveries]: 1, [HEADERS.putBacks]: 1 },
        messageId: 'm1',
      },
    ]);
    expect(d.log).toEqual(['ack']);
    expect(reports[0]).toMatchObject({ outcome: 'requeued', errorCode: 'DatabaseDown' });
  });

  it('tells the handler a put-back or counted copy is not a first delivery', async () => {
    const handle = (headers: MessageHeaders) =>
      runner(async () => undefined, 2).handle(delivery({ headers }), 'm1');
    await handle({});
    await handle({ [HEADERS.putBacks]: 1 });
    await handle({ [HEADERS.redeliveries]: 1 });
    expect(seenRedelivered).toEqual([false, true, true]);
  });

  it('requeues the original when the copy cannot be put back', async () => {
    failPutBack = true;
    const d = delivery();
    await runner(async () => {
      throw new TransientError('DatabaseDown', 'no connection');
    }, 2).handle(d, 'm1');
    expect(d.log).toEqual(['requeue']);
    expect(reports[0]).toMatchObject({ outcome: 'requeued' });
  });
});
