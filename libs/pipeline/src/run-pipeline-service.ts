import { randomUUID } from 'node:crypto';
import { systemClock } from '@linebacker/domain';
import {
  startHealthServer,
  StopBudget,
  type HealthServer,
  type Logger,
  type RunningService,
  type ServiceMetrics,
} from '@linebacker/runtime';
import type { Subscription } from '@linebacker/messaging';
import type { PipelineConfig } from './config/pipeline.config';
import {
  openInfrastructure,
  type Infrastructure,
  type InfrastructureOptions,
} from './infrastructure/infrastructure';
import type { Worker, WorkerContext } from './workers/worker';

/** How to start one pipeline service instance. */
export interface PipelineServiceOptions {
  service: string;
  config: PipelineConfig;
  logger: Logger;
  metrics: ServiceMetrics;
  worker(ctx: WorkerContext, infrastructure: Infrastructure): Worker | Promise<Worker>;
  /** Replaces RabbitMQ (embedded mode). */
  bus?: InfrastructureOptions['bus'];
  /** The database is one session shared by every connection (embedded mode). */
  sharedDatabaseSession?: boolean;
  /** Serve livez/readyz/metrics on the health port (off when the host app serves them). */
  healthServer?: boolean;
}

/** A started pipeline service. */
export interface StartedPipelineService extends RunningService {
  ctx: WorkerContext;
  infrastructure: Infrastructure;
  health: HealthServer | undefined;
  isReady(): boolean;
}

/**
 * What a worker's `/healthz` adds to its readiness: the service, its uptime, and where each
 * broker connection is now (`host:port` of the node, never the credentials) with its
 * reconnects and failovers, so an operator sees which node of a cluster serves it.
 */
export function workerHealthDetails(
  service: string,
  startedAt: number,
  metrics: Pick<ServiceMetrics, 'brokerConnections'>,
  now: number = Date.now(),
): Record<string, unknown> {
  return {
    service,
    uptimeSeconds: Math.round((now - startedAt) / 1000),
    brokerConnections: metrics.brokerConnections(),
  };
}

/**
 * Starts a service: infrastructure, then the worker's pre-consume work (recovery re-drives
 * here), then its subscriptions, then background work and the health port. Stop reverses it:
 * readiness drops first, then the worker, then relay, bus and pool within the deadline.
 */
export async function startPipelineService(
  options: PipelineServiceOptions,
): Promise<StartedPipelineService> {
  const { service, config, logger, metrics } = options;
  const startedAt = Date.now();
  const infrastructure = await openInfrastructure({
    service,
    config,
    logger,
    metrics,
    bus: options.bus,
    sharedDatabaseSession: options.sharedDatabaseSession,
  });
  const ctx: WorkerContext = {
    service,
    config,
    logger,
    metrics,
    clock: systemClock,
    ids: { newId: () => randomUUID() },
    requests: infrastructure.requests,
    backups: infrastructure.backups,
    callbackAttempts: infrastructure.callbackAttempts,
    bus: infrastructure.bus,
  };
  let worker: Worker;
  const attached: Subscription[] = [];
  try {
    worker = await options.worker(ctx, infrastructure);
    await worker.beforeConsume?.();
    for (const subscription of worker.subscriptions) {
      attached.push(
        await infrastructure.bus.subscribe(
          subscription.definition,
          subscription.handler,
          subscription.options,
        ),
      );
    }
    await worker.afterConsume?.();
  } catch (error) {
    await infrastructure.close(1000).catch(() => undefined);
    throw error;
  }
  let stopping = false;
  const isReady = (): boolean =>
    !stopping && infrastructure.bus.isReady() && (worker.isReady?.() ?? true);
  metrics.gauge(
    'linebacker_consumers',
    'Consumers attached by this instance',
    () =>
      attached.reduce((sum, subscription) => sum + subscription.consumerCount(), 0) +
      (worker.consumerCount?.() ?? 0),
  );
  // Both outbox gauges are read in one scrape; one query serves them both.
  let backlogRead:
    { at: number; value: Promise<{ count: number; oldestAgeMs: number }> } | undefined;
  const backlog = () => {
    if (!backlogRead || Date.now() - backlogRead.at > 1000) {
      backlogRead = { at: Date.now(), value: infrastructure.outbox.backlog(new Date()) };
    }
    return backlogRead.value;
  };
  metrics.gauge(
    'linebacker_outbox_backlog',
    'Outbox rows not yet published',
    async () => (await backlog()).count,
  );
  metrics.gauge(
    'linebacker_outbox_oldest_age_seconds',
    'Age of the oldest unpublished outbox row',
    async () => (await backlog()).oldestAgeMs / 1000,
  );
  const health =
    options.healthServer === false
      ? undefined
      : await startHealthServer(config.healthPort, config.healthHost, {
          ready: isReady,
          // The worker's own details (an interface worker's queue depths) beside the common ones.
          details: async () => ({
            ...workerHealthDetails(service, startedAt, metrics),
            ...(await (worker.details?.() ?? Promise.resolve({}))),
          }),
          registry: metrics.registry,
        });
  if (health) logger.info('health port listening', { port: health.port });
  return {
    ctx,
    infrastructure,
    health,
    isReady,
    async stop(deadlineMs) {
      stopping = true;
      // One deadline for the steps together: a worker whose broker hangs must not leave the
      // infrastructure a whole deadline of its own, past the process's stop deadline.
      const budget = new StopBudget(deadlineMs);
      await worker.stop?.(budget.left());
      await infrastructure.close(budget.left());
      await health?.close();
    },
  };
}
