import {
  FakeClock,
  InMemoryBackupRequestRepository,
  InMemoryCallbackAttemptLog,
} from '@linebacker/domain/testing';
import { InMemoryMessageBus } from '@linebacker/messaging';
import { createLogger, createServiceMetrics, loadConfig } from '@linebacker/runtime';
import { capturedLines } from '@linebacker/testing';
import { recoveryAppConfigSchema } from '../config/app-config-schemas';
import { recoveryWorker } from './recovery.worker';

describe('recoveryWorker', () => {
  it('reports when it last completed a round, 0 before the first', async () => {
    const config = loadConfig(recoveryAppConfigSchema, {
      LINEBACKER_DATABASE_URL: 'postgres://unused',
      LINEBACKER_AMQP_URL: 'amqp://unused',
    });
    const clock = new FakeClock('2026-12-05T10:00:00.000Z');
    const requests = new InMemoryBackupRequestRepository();
    const metrics = createServiceMetrics('recovery');
    const worker = recoveryWorker(
      {
        service: 'recovery',
        config,
        logger: createLogger({ service: 'recovery', stream: capturedLines().stream }),
        metrics,
        clock,
        ids: { newId: () => 'id' },
        requests,
        backups: requests,
        callbackAttempts: new InMemoryCallbackAttemptLog(),
        bus: new InMemoryMessageBus(),
      },
      config,
    );
    const lastSweep = async () =>
      (
        await metrics.registry
          .getSingleMetric('linebacker_recovery_last_sweep_timestamp_seconds')
          ?.get()
      )?.values[0]?.value;
    expect(await lastSweep()).toBe(0);
    await worker.beforeConsume?.();
    expect(await lastSweep()).toBe(Date.parse('2026-12-05T10:00:00.000Z') / 1000);
  });
});
