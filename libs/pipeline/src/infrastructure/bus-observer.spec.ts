import type { DeliveryReport, Envelope } from '@linebacker/messaging';
import { createLogger, createServiceMetrics } from '@linebacker/runtime';
import { capturedLines } from '@linebacker/testing';
import { replyQueueObserver } from '../workers/interface-receiver.worker';
import { busObserver, reconnectCounter } from './bus-observer';

function capture(level = 'info') {
  const { lines, stream } = capturedLines();
  return {
    lines,
    logger: createLogger({ service: 'test', stream, level }),
    metrics: createServiceMetrics('test'),
  };
}

const value = async (
  metrics: ReturnType<typeof createServiceMetrics>,
  name: string,
  labels: Record<string, string>,
) => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{
    labels: Record<string, unknown>;
    value: number;
  }>;
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
};

describe('observers', () => {
  it('count a reconnect only after a first connection, per connection', async () => {
    const { logger, metrics } = capture();
    const events = busObserver(logger, metrics);
    const external = reconnectCounter(logger, metrics, 'interface');
    events.onConnectionChange?.('connected');
    external.onConnectionChange?.('connected');
    expect(await value(metrics, 'linebacker_broker_reconnects_total', {})).toBeUndefined();
    events.onConnectionChange?.('disconnected', 'lost');
    events.onConnectionChange?.('connected');
    external.onConnectionChange?.('connected');
    expect(
      await value(metrics, 'linebacker_broker_reconnects_total', { connection: 'events' }),
    ).toBe(1);
    expect(
      await value(metrics, 'linebacker_broker_reconnects_total', { connection: 'interface' }),
    ).toBe(1);
  });

  it('show a subscription as paused until it resumes, the reply queue too', async () => {
    const { logger, metrics } = capture();
    const events = busObserver(logger, metrics);
    const replies = replyQueueObserver(logger, metrics);
    events.onPause?.('check-allowed.backup-request.received', true, 'DependencyUnavailable');
    replies.onPause?.('backup-interface.replies', true, 'DatabaseUnavailable');
    const paused = (subscription: string) =>
      value(metrics, 'linebacker_subscription_paused', { subscription });
    expect(await paused('check-allowed.backup-request.received')).toBe(1);
    expect(await paused('backup-interface.replies')).toBe(1);
    events.onPause?.('check-allowed.backup-request.received', false);
    expect(await paused('check-allowed.backup-request.received')).toBe(0);
  });

  it('count every interface reply; log one stored as planned only at debug', async () => {
    const reply = {
      queue: 'backup-interface.replies',
      outcome: 'ok',
      messageId: 'm-1',
      correlationId: 'c-1',
      requestId: 'r-1',
      durationMs: 12,
    } as const;
    const atInfo = capture();
    const observer = replyQueueObserver(atInfo.logger, atInfo.metrics);
    observer.onMessage?.(reply);
    observer.onMessage?.({ queue: 'backup-interface.replies', outcome: 'parked', durationMs: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(atInfo.lines).toEqual([expect.objectContaining({ outcome: 'parked', level: 'error' })]);
    const subscription = 'backup-interface.replies';
    for (const outcome of ['ok', 'parked']) {
      expect(
        await value(atInfo.metrics, 'linebacker_messages_handled_total', { subscription, outcome }),
      ).toBe(1);
    }

    const atDebug = capture('debug');
    replyQueueObserver(atDebug.logger, atDebug.metrics).onMessage?.(reply);
    await new Promise((resolve) => setImmediate(resolve));
    expect(atDebug.lines).toEqual([
      expect.objectContaining({
        message: 'reply handled',
        level: 'debug',
        correlationId: 'c-1',
        requestId: 'r-1',
      }),
    ]);
  });

  it('count every delivery; log one handled as planned only at debug, any other with its ids', async () => {
    const envelope: Envelope = {
      envelopeVersion: 1,
      messageId: 'm-1',
      type: 'backup-request.received',
      typeVersion: 1,
      correlationId: 'c-1',
      causationId: null,
      occurredAt: '2024-03-01T10:00:00.000Z',
      attempt: 2,
      payload: { backupRequestId: 'r-1' },
    };
    const subscription = 'check-allowed.backup-request.received';
    const report = (outcome: DeliveryReport['outcome'], errorCode?: string): DeliveryReport => ({
      subscription,
      envelope,
      outcome,
      durationMs: 4,
      ...(errorCode ? { errorCode, reason: `${errorCode} happened` } : {}),
    });
    const atInfo = capture();
    const observer = busObserver(atInfo.logger, atInfo.metrics);
    observer.onDelivery?.(report('ok'));
    observer.onDelivery?.(report('already-done'));
    observer.onDelivery?.(report('retried', 'JobServiceTimeout'));
    observer.onDelivery?.(report('dead-lettered', 'InvalidPayload'));
    await new Promise((resolve) => setImmediate(resolve));
    const ids = { correlationId: 'c-1', requestId: 'r-1', messageId: 'm-1', attempt: 2 };
    expect(atInfo.lines).toEqual([
      expect.objectContaining({ ...ids, outcome: 'retried', level: 'warn' }),
      expect.objectContaining({ ...ids, outcome: 'dead-lettered', level: 'error' }),
    ]);
    for (const outcome of ['ok', 'already-done', 'retried', 'dead-lettered']) {
      expect(
        await value(atInfo.metrics, 'linebacker_messages_handled_total', { subscription, outcome }),
      ).toBe(1);
    }

    const atDebug = capture('debug');
    busObserver(atDebug.logger, atDebug.metrics).onDelivery?.(report('ok'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(atDebug.lines).toEqual([
      expect.objectContaining({
        ...ids,
        message: 'message handled',
        outcome: 'ok',
        level: 'debug',
      }),
    ]);
  });
});
