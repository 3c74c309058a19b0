import { UnavailableError } from '@linebacker/domain';
import { EnvelopeCodec } from '../envelope/envelope-codec';
import type { DeliveryReport } from '../port/message-bus.port';
import { anyPayloadSchemas, contractSubscription } from '../testing/contract-harness';
import { ConsumerRunner } from './consumer-runner';
import type { InboundDelivery, SubscriptionTransport } from './inbound-delivery';
import { HEADERS, type MessageHeaders } from './message-headers';
import { PauseController } from './pause-controller';

type Sent = { to: string; body: Buffer; headers: MessageHeaders };

class FakeTransport implements SubscriptionTransport {
  readonly sent: Sent[] = [];
  failWith: unknown = null;
  private record(to: string, body: Buffer, headers: MessageHeaders) {
    if (this.failWith) return Promise.reject(this.failWith);
    this.sent.push({ to, body, headers });
    return Promise.resolve();
  }
  sendToRetry = (delayMs: number, body: Buffer, headers: MessageHeaders) =>
    this.record(`retry.${delayMs}`, body, headers);
  sendToDeadLetter = (body: Buffer, headers: MessageHeaders) => this.record('dlq', body, headers);
  sendToMain = (body: Buffer, headers: MessageHeaders) => this.record('main', body, headers);
}

const codec = new EnvelopeCodec(anyPayloadSchemas('unit.test', 'unit.other'));
const body = (attempt = 1, type = 'unit.test') =>
  codec.encode(
    codec.toEnvelope({ messageId: 'm', type, correlationId: 'c', payload: { secret: 1 } }, attempt),
  );

function delivery(overrides: Partial<InboundDelivery> = {}): InboundDelivery & { log: string[] } {
  const log: string[] = [];
  return {
    body: body(),
    routingKey: 'unit.test',
    redelivered: false,
    headers: {},
    ack: () => (log.push('ack'), true),
    requeue: () => (log.push('requeue'), true),
    log,
    ...overrides,
  };
}

describe('ConsumerRunner', () => {
  let transport: FakeTransport;
  let reports: DeliveryReport[];
  let pauses: boolean[];
  const definition = contractSubscription('unit', ['unit.test']);
  const runner = (handler: () => Promise<'ok'>, redeliveryLimit?: number) => {
    const pauser = new PauseController(
      {
        subscription: 'unit',
        policy: definition.retry,
        probeTimeoutMs: 100,
        observer: { onPause: (_s, p) => pauses.push(p) },
      },
      { setConsuming: async () => undefined },
    );
    return new ConsumerRunner({
      definition,
      queue: 'q',
      handler,
      codec,
      transport,
      pauser,
      observer: { onDelivery: (r) => reports.push(r) },
      redeliveryLimit,
    });
  };

  beforeEach(() => {
    transport = new FakeTransport();
    reports = [];
    pauses = [];
  });

  it('dead-letters an envelope of a type the subscription does not list, without handling or retrying it', async () => {
    let handled = 0;
    const d = delivery({ body: body(1, 'unit.other'), routingKey: 'unit.test' });
    d.ack = () => (d.log.push(`ack after ${transport.sent.length} sent`), true);
    await runner(async () => (handled++, 'ok')).handle(d);
    expect(handled).toBe(0);
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0]).toMatchObject({
      to: 'dlq',
      body: d.body,
      headers: {
        [HEADERS.errorCode]: 'UnexpectedType',
        [HEADERS.reason]: "type unit.other is not one of contract.unit's event types (unit.test)",
        [HEADERS.originalRoutingKey]: 'unit.other',
      },
    });
    expect(d.log).toEqual(['ack after 1 sent']);
    expect(reports).toEqual([
      expect.objectContaining({
        outcome: 'dead-lettered',
        errorCode: 'UnexpectedType',
        errorKind: 'permanent',
        envelope: expect.objectContaining({ type: 'unit.other', payload: {} }),
      }),
    ]);
  });

  it('refuses to run for a subscription listing a type with no payload schema', () => {
    const unschemed = contractSubscription('unit', ['unit.test', 'unit.unknown']);
    expect(
      () =>
        new ConsumerRunner({
          definition: unschemed,
          queue: 'q',
          handler: async () => 'ok',
          codec,
          transport,
          pauser: new PauseController(
            { subscription: 'unit', policy: unschemed.retry, probeTimeoutMs: 100 },
            { setConsuming: async () => undefined },
          ),
        }),
    ).toThrow(
      expect.objectContaining({ code: 'MissingPayloadSchema', kind: 'permanent' }) as Error,
    );
  });

  it('reports a success whose channel died as dropped (nothing acked twice, nothing lost)', async () => {
    const stale = delivery({ ack: () => false });
    await runner(async () => 'ok').handle(stale);
    expect(reports[0]?.outcome).toBe('dropped');
  });

  it('keeps the original when its retry copy cannot be confirmed: requeue and pause, no ack', async () => {
    transport.failWith = new UnavailableError('BrokerUnavailable', 'gone');
    const d = delivery();
    await runner(async () => {
      throw new Error('flaky');
    }).handle(d);
    expect(d.log).toEqual(['requeue']);
    expect(pauses).toEqual([true]);
    expect(reports[0]).toMatchObject({ outcome: 'requeued', errorKind: 'unavailable' });
  });

  it('publishes the copy before acking the original', async () => {
    const d = delivery();
    const sentAtAck: number[] = [];
    d.ack = () => (sentAtAck.push(transport.sent.length), true);
    await runner(async () => {
      throw new Error('flaky');
    }).handle(d);
    expect(sentAtAck).toEqual([1]);
    expect(transport.sent[0]?.to).toBe('retry.100');
    expect(codec.decode(transport.sent[0]?.body ?? Buffer.alloc(0)).attempt).toBe(2);
  });

  it('on a classic queue, sends a redelivered message back with a counted header instead of handling it', async () => {
    let handled = 0;
    const d = delivery({ redelivered: true, headers: { [HEADERS.redeliveries]: 1 } });
    await runner(async () => (handled++, 'ok'), 3).handle(d);
    expect(handled).toBe(0);
    expect(transport.sent[0]).toMatchObject({ to: 'main', headers: { [HEADERS.redeliveries]: 2 } });
    expect(d.log).toEqual(['ack']);
  });

  it('on a classic queue, dead-letters a message redelivered more often than the limit', async () => {
    const d = delivery({ redelivered: true, headers: { [HEADERS.redeliveries]: 3 } });
    await runner(async () => 'ok', 3).handle(d);
    expect(transport.sent[0]).toMatchObject({
      to: 'dlq',
      headers: { [HEADERS.errorCode]: 'DeliveryLimitExceeded' },
    });
  });
});
