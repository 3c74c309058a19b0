import { PermanentError, TransientError } from '@linebacker/domain';
import { waitFor } from '@linebacker/testing';
import type {
  ExternalQueueConsumer,
  RawMessage,
  RawMessageHandler,
  RawMessageReport,
} from '../port/external-queue.port';

/** What the external-queue contract needs from one implementation. */
export interface ExternalQueueHarness {
  send(body: string, messageId?: string): Promise<void>;
  parked(): Promise<Array<{ body: string; headers: Record<string, unknown> }>>;
  depth(): Promise<number>;
  consumer(
    handler: RawMessageHandler,
    onMessage: (r: RawMessageReport) => void,
  ): ExternalQueueConsumer;
  cleanup(): Promise<void>;
}

/** Consume / park / requeue behaviour every ExternalQueueConsumer must show. */
export function describeExternalQueueContract(
  name: string,
  factory: () => Promise<ExternalQueueHarness>,
): void {
  describe(`ExternalQueueConsumer contract: ${name}`, () => {
    let harness: ExternalQueueHarness;
    let consumer: ExternalQueueConsumer | undefined;
    let reports: RawMessageReport[];

    beforeEach(async () => {
      harness = await factory();
      reports = [];
    });
    afterEach(async () => {
      await consumer?.stop(500);
      consumer = undefined;
      await harness.cleanup();
    });

    const start = async (handler: RawMessageHandler) => {
      consumer = harness.consumer(handler, (r) => reports.push(r));
      await consumer.start();
      return consumer;
    };

    it('hands each message to the handler and acks it once the handler resolves', async () => {
      const seen: RawMessage[] = [];
      await start(async (message) => void seen.push(message));
      await harness.send('{"a":1}', 'reply-1');
      await waitFor(() => reports.some((r) => r.outcome === 'ok'), 'the ack');
      expect(seen[0]?.body.toString()).toBe('{"a":1}');
      expect(seen[0]?.messageId).toBe('reply-1');
      expect(await harness.depth()).toBe(0);
    });

    it('carries the trace the handler returns on the ok report', async () => {
      await start(async () => ({ correlationId: 'corr-1', requestId: 'req-1' }));
      await harness.send('{"a":1}', 'reply-2');
      await waitFor(() => reports.some((r) => r.outcome === 'ok'), 'the ack');
      expect(reports[0]).toMatchObject({
        outcome: 'ok',
        messageId: 'reply-2',
        correlationId: 'corr-1',
        requestId: 'req-1',
      });
    });

    it('parks an invalid message with the reason, acks it, and goes on with the next', async () => {
      const ok: string[] = [];
      await start(async (message) => {
        const text = message.body.toString();
        if (!text.startsWith('{')) throw new PermanentError('InvalidReply', 'reply is not JSON');
        ok.push(text);
      });
      await harness.send('garbage');
      await harness.send('{"fine":true}');
      await waitFor(() => ok.length === 1, 'the valid message');
      await waitFor(async () => (await harness.parked()).length === 1, 'the parked message');
      const [parked] = await harness.parked();
      expect(parked?.body).toBe('garbage');
      expect(parked?.headers).toMatchObject({
        'x-linebacker-error-code': 'InvalidReply',
        'x-linebacker-reason': 'reply is not JSON',
      });
      expect(reports.map((r) => r.outcome).sort()).toEqual(['ok', 'parked']);
    });

    it('requeues on a transient failure, pauses, then handles the message again', async () => {
      let calls = 0;
      const c = await start(async () => {
        calls += 1;
        if (calls === 1) throw new TransientError('InternalBusDown', 'cannot republish');
      });
      await harness.send('{"retry":true}');
      await waitFor(() => reports.length === 1, 'the requeue');
      expect(c.consumerCount()).toBe(0); // paused: the requeued message is not taken again yet
      expect(calls).toBe(1);
      await waitFor(() => calls === 2, 'the second attempt');
      await waitFor(() => reports.some((r) => r.outcome === 'ok'), 'the ack');
      expect(reports[0]).toMatchObject({ outcome: 'requeued', errorCode: 'InternalBusDown' });
      expect(await harness.parked()).toEqual([]);
    });
  });
}
