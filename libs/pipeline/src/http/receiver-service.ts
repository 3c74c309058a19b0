import { pingDatabase } from '@linebacker/persistence';
import { parse, type ConfigSchema } from '@linebacker/runtime';
import { pipelineConfigSchema, type PipelineConfig } from '../config/pipeline.config';
import type { Infrastructure } from '../infrastructure/infrastructure';
import { collectPipelineStats, withProbeTimeout } from '../operations/pipeline-stats';
import { allSubscriptions } from '../workers/subscriptions';
import type { Worker, WorkerContext } from '../workers/worker';
import { buildReceiverApp } from './app';
import { anonymousAuthenticator, staticTokenAuthenticator, type Authenticator } from './auth';

/** The HTTP receiver's own settings. */
export interface ReceiverSettings {
  httpHost: string;
  httpPort: number;
  authMode: 'none' | 'static-tokens';
  authTokens: string;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  requestTimeoutMs: number;
  healthTimeoutMs: number;
}

/** The receiver's full configuration. */
export type ReceiverConfig = PipelineConfig & ReceiverSettings;

/** Every key the receiver reads. */
export const receiverConfigSchema: ConfigSchema<ReceiverConfig> = {
  ...pipelineConfigSchema(0),
  httpHost: {
    env: 'LINEBACKER_HTTP_HOST',
    doc: 'address the API listens on',
    default: '127.0.0.1',
    parse: parse.string,
  },
  httpPort: {
    env: 'LINEBACKER_HTTP_PORT',
    doc: 'port of the API, zpages and /metrics',
    default: 8080,
    parse: parse.integer(0, 65535),
  },
  authMode: {
    env: 'LINEBACKER_AUTH_MODE',
    doc: 'none (every caller is `anonymous`; development default) or static-tokens',
    default: 'none',
    parse: parse.oneOf('none', 'static-tokens'),
  },
  authTokens: {
    env: 'LINEBACKER_AUTH_TOKENS',
    doc: 'static-tokens mode: `token=requesterId:scope+scope;…`',
    default: '',
    secret: true,
    parse: parse.string,
  },
  bodyLimitBytes: {
    env: 'LINEBACKER_HTTP_BODY_LIMIT_BYTES',
    doc: 'largest accepted body (413 above)',
    default: 16384,
    parse: parse.integer(256),
  },
  rateLimitPerMinute: {
    env: 'LINEBACKER_HTTP_RATE_LIMIT_PER_MINUTE',
    doc: 'requests per minute per client address (0 = off)',
    default: 0,
    parse: parse.integer(0),
  },
  requestTimeoutMs: {
    env: 'LINEBACKER_HTTP_REQUEST_TIMEOUT_MS',
    doc: 'whole-request deadline',
    default: 10000,
    parse: parse.integer(100),
  },
  healthTimeoutMs: {
    env: 'LINEBACKER_HEALTH_TIMEOUT_MS',
    doc: 'bound of each readyz/healthz probe (database, each queue); slower counts as down',
    default: 1000,
    parse: parse.integer(50, 60000),
  },
};

/** The authenticator the configuration selects (fails at start-up on a bad token list). */
export function authenticatorFor(
  settings: Pick<ReceiverSettings, 'authMode' | 'authTokens'>,
): Authenticator {
  return settings.authMode === 'static-tokens'
    ? staticTokenAuthenticator(settings.authTokens)
    : anonymousAuthenticator;
}

/**
 * The receiver as a worker without subscriptions: its relay publishes what intake commits,
 * and the Fastify app serves the API, the zpages and /metrics on one port.
 */
export function receiverWorker(
  ctx: WorkerContext,
  infrastructure: Infrastructure,
  settings: ReceiverSettings,
  onListening: (address: string) => void = () => undefined,
): Worker {
  const authenticate = authenticatorFor(settings);
  const startedAt = Date.now();
  let stopping = false;
  let close: (() => Promise<void>) | undefined;
  const stats = () =>
    collectPipelineStats({
      requests: ctx.requests,
      outbox: infrastructure.outbox,
      bus: infrastructure.bus,
      subscriptions: allSubscriptions(ctx.config),
      pingDatabase: () => pingDatabase(infrastructure.dataSource),
      timeoutMs: settings.healthTimeoutMs,
    });
  const databaseUp = () =>
    withProbeTimeout(
      pingDatabase(infrastructure.dataSource),
      settings.healthTimeoutMs,
      'database ping',
    ).then(
      () => true,
      () => false,
    );
  const ready = async (): Promise<boolean> =>
    !stopping && infrastructure.bus.isReady() && (await databaseUp());
  // healthz answers 503 unless ready; its dependency states come from the same bounded probes.
  const health = async (): Promise<{ ready: boolean } & Record<string, unknown>> => {
    const current = await stats();
    return {
      ready: !stopping && infrastructure.bus.isReady() && current.dependencies.database === 'up',
      service: ctx.service,
      node: process.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      ...current,
    };
  };
  return {
    subscriptions: [],
    afterConsume: async () => {
      const app = await buildReceiverApp({
        requests: ctx.requests,
        backups: ctx.backups,
        ids: ctx.ids,
        clock: ctx.clock,
        authenticate,
        zpages: { ready, health },
        metrics: ctx.metrics,
        logger: ctx.logger,
        limits: {
          bodyLimitBytes: settings.bodyLimitBytes,
          requestTimeoutMs: settings.requestTimeoutMs,
          connectionTimeoutMs: settings.requestTimeoutMs,
          keepAliveTimeoutMs: 5000,
          rateLimitPerMinute: settings.rateLimitPerMinute,
        },
      });
      const address = await app.listen({ host: settings.httpHost, port: settings.httpPort });
      ctx.logger.info('listening', { address });
      onListening(address);
      close = () => app.close();
    },
    stop: async () => {
      stopping = true;
      await close?.();
    },
  };
}
