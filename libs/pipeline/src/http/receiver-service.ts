import { pingDatabase } from '@linebacker/persistence';
import { cachedSingleFlight, startHealthServer } from '@linebacker/runtime';
import { Counter } from 'prom-client';
import type { Infrastructure } from '../infrastructure/infrastructure';
import {
  collectPipelineStats,
  withProbeTimeout,
  type PipelineStats,
} from '../operations/pipeline-stats';
import { interfaceQueueDepthsFor } from '../infrastructure/interface-transport';
import { interfaceQueueDetails } from '../workers/interface-queue-details';
import { allSubscriptions } from '../workers/subscriptions';
import { registerPipelineStatsGauges } from '../operations/pipeline-stats-metrics';
import type { Worker, WorkerContext } from '../workers/worker';
import { authenticatorFor, buildReceiverApp } from '@linebacker/http-api';
import { CallbackPolicy } from '@linebacker/callbacks';
import type { ReceiverConfig } from './receiver-config';

/** What healthz says of the receiver as a whole. */
export type ReceiverStatus = 'ok' | 'degraded' | 'unavailable';

/**
 * `unavailable` without PostgreSQL (or while stopping): nothing can be accepted;
 * `degraded` without RabbitMQ: requests are accepted into the outbox but not forwarded.
 */
export function receiverStatus(
  dependencies: PipelineStats['dependencies'],
  stopping = false,
): ReceiverStatus {
  if (stopping || dependencies.database === 'down') return 'unavailable';
  return dependencies.broker === 'down' ? 'degraded' : 'ok';
}

/** Where the receiver listens once started. */
export interface ReceiverAddresses {
  /** The API: backup requests, livez, readyz. */
  api: string;
  /** The operator listener: healthz, metrics, OpenAPI (plus livez and readyz). */
  operator: string;
}

/**
 * The receiver as a worker without subscriptions: its relay publishes what intake commits,
 * the Fastify app serves the API on the public port, and the operator listener serves
 * healthz, /metrics and the OpenAPI document on the health port (loopback by default).
 */
export function receiverWorker(
  ctx: WorkerContext,
  infrastructure: Infrastructure,
  settings: ReceiverConfig,
  onListening: (addresses: ReceiverAddresses) => void = () => undefined,
): Worker {
  const authenticate = authenticatorFor(settings);
  const callbackTargets = new CallbackPolicy(settings);
  if (settings.authMode === 'none')
    ctx.logger.warn('authentication is off: every caller is anonymous and may submit any job', {
      authMode: settings.authMode,
    });
  const startedAt = Date.now();
  let stopping = false;
  const closers: Array<() => Promise<void>> = [];
  const databaseUp = () =>
    withProbeTimeout(
      pingDatabase(infrastructure.database),
      settings.healthTimeoutMs,
      'database ping',
    ).then(
      () => true,
      () => false,
    );
  // Probes are shared by concurrent callers and reused briefly: a flood of readyz or healthz
  // calls costs one round of queries and passive declares per period, not one per call.
  const databaseUpCached = cachedSingleFlight(databaseUp, settings.healthCacheMs);
  const probeRounds = new Counter({
    name: 'linebacker_health_probe_rounds_total',
    help: 'Rounds of healthz probes (database counts, queue declares) actually run',
    registers: [ctx.metrics.registry],
  });
  const statsCached = cachedSingleFlight(() => {
    probeRounds.inc();
    return collectPipelineStats({
      requests: ctx.requests,
      outbox: infrastructure.outbox,
      bus: infrastructure.bus,
      subscriptions: allSubscriptions(ctx.config),
      pingDatabase: () => pingDatabase(infrastructure.database),
      timeoutMs: settings.healthTimeoutMs,
    });
  }, settings.healthCacheMs);
  registerPipelineStatsGauges(ctx.metrics.registry, statsCached);
  // On Azure, the interface's queues are not the broker's: read beside the stats, under the
  // same bound, and an account that does not answer makes their depths unknown, nothing else.
  const interfaceDepths = interfaceQueueDepthsFor(settings, settings.healthTimeoutMs);
  const interfaceQueuesCached = cachedSingleFlight(
    () => interfaceQueueDetails(() => interfaceDepths?.(), settings.healthTimeoutMs),
    settings.healthCacheMs,
  );
  // Intake needs only PostgreSQL: with the broker down, accepted requests wait in the outbox
  // and the relay publishes them once it is back. So the broker does not take the receiver
  // out of rotation; healthz says `degraded` instead.
  const ready = async (): Promise<boolean> => !stopping && (await databaseUpCached());
  const details = async (): Promise<Record<string, unknown>> => {
    const [stats, interfaceQueues] = await Promise.all([statsCached(), interfaceQueuesCached()]);
    return {
      status: receiverStatus(stats.dependencies, stopping),
      service: ctx.service,
      node: process.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      brokerConnections: ctx.metrics.brokerConnections(),
      ...stats,
      ...interfaceQueues,
    };
  };
  return {
    subscriptions: [],
    afterConsume: async () => {
      const app = await buildReceiverApp({
        requests: ctx.requests,
        backups: ctx.backups,
        callbackAttempts: ctx.callbackAttempts,
        ids: ctx.ids,
        clock: ctx.clock,
        authenticate,
        callbackTargets,
        dataDateWindow: {
          maxAgeDays: settings.dataDateMaxAgeDays,
          maxAheadDays: settings.dataDateMaxAheadDays,
        },
        ready,
        metrics: ctx.metrics,
        logger: ctx.logger,
        limits: settings,
      });
      const api = await app.listen({ host: settings.httpHost, port: settings.httpPort });
      closers.push(() => app.close());
      const operator = await startHealthServer(settings.healthPort, settings.healthHost, {
        ready,
        details,
        registry: ctx.metrics.registry,
        documents: { '/api/openapi.json': () => app.swagger() },
      });
      closers.push(() => operator.close());
      const addresses = { api, operator: `http://${settings.healthHost}:${operator.port}` };
      ctx.logger.info('listening', { address: api, operatorAddress: addresses.operator });
      onListening(addresses);
    },
    stop: async () => {
      stopping = true;
      for (const close of closers) await close();
    },
  };
}
