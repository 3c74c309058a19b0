import { createLogger, createServiceMetrics } from '@linebacker/runtime';
import { capturedLines } from '@linebacker/testing';
import { replyQueueObserver } from '../workers/interface-receiver.worker';
import { busObserver, reconnectCounter } from './bus-observer';

function capture() {
  const { lines, stream } = capturedLines();
  return {
    lines,
    logger: createLogger({ service: 'test', stream }),
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

  it('log and count each interface reply with its correlation id', async () => {
    const { lines, logger, metrics } = capture();
    const observer = replyQueueObserver(logger, metrics);
    observer.onMessage?.({
      queue: 'backup-interface.replies',
      outcome: 'ok',
      messageId: 'm-1',
      correlationId: 'c-1',
      requestId: 'r-1',
      durationMs: 12,
    });
    observer.onMessage?.({ queue: 'backup-interface.replies', outcome: 'parked', durationMs: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({ correlationId: 'c-1', requestId: 'r-1', level: 'info' });
    expect(lines[1]).toMatchObject({ outcome: 'parked', level: 'error' });
    const subscription = 'backup-interface.replies';
    expect(
      await value(metrics, 'linebacker_messages_handled_total', { subscription, outcome: 'ok' }),
    ).toBe(1);
    expect(
      await value(metrics, 'linebacker_messages_handled_total', {
        subscription,
        outcome: 'parked',
      }),
    ).toBe(1);
  });
});
