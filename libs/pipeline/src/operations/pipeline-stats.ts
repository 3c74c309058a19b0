import {
  errorKindOf,
  TransientError,
  type BackupRequestRepository,
  type OutboxStore,
  type RequestStatus,
} from '@linebacker/domain';
import type { MessageBus, QueueStats, SubscriptionDefinition } from '@linebacker/messaging';

/** A dependency as a probe found it. */
export type DependencyState = 'up' | 'down';

/** One subscription's queues, or why they could not be read. */
export type QueueReport = QueueStats | { error: string };

/** What an operator checks first: dependencies, queues, outbox and requests by status. */
export interface PipelineStats {
  dependencies: { database: DependencyState; broker: DependencyState };
  /** By subscription (`<app>.<name>`). */
  queues: Record<string, QueueReport>;
  /** Null when the database did not answer in time. */
  outbox: { count: number; oldestAgeMs: number } | null;
  /** Null when the database did not answer in time. */
  requests: Record<RequestStatus, number> | null;
}

/** Where the statistics come from; every probe is bounded by `timeoutMs`. */
export interface PipelineStatsSources {
  requests: Pick<BackupRequestRepository, 'countByStatus'>;
  outbox: Pick<OutboxStore, 'backlog'>;
  bus: Pick<MessageBus, 'queueStats'>;
  subscriptions: readonly SubscriptionDefinition[];
  pingDatabase(): Promise<unknown>;
  timeoutMs: number;
  now?: () => Date;
}

/**
 * Resolves with `work`'s result, or rejects with a transient `ProbeTimeout` once `ms` passed.
 * The abandoned work keeps running (a pool checkout or a channel open cannot be cancelled),
 * but its outcome is ignored, so a dependency that hangs can never make the caller hang.
 */
export function withProbeTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransientError('ProbeTimeout', `${what}: no answer within ${ms} ms`)),
      ms,
    );
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Gathers the pipeline's vital statistics with every probe in parallel and each bounded,
 * so it answers within about `timeoutMs` whatever state PostgreSQL and RabbitMQ are in. The
 * broker is `down` when no queue could be read for a reason other than the queue missing.
 * Shared by the receiver's healthz and the operator CLI's `stats`.
 */
export async function collectPipelineStats(sources: PipelineStatsSources): Promise<PipelineStats> {
  const { timeoutMs } = sources;
  const now = sources.now?.() ?? new Date();
  const bounded = <T>(work: () => Promise<T>, what: string) =>
    settle(withProbeTimeout(Promise.resolve().then(work), timeoutMs, what));
  const [ping, counts, backlog, ...queues] = await Promise.all([
    bounded(() => sources.pingDatabase(), 'database ping'),
    bounded(() => sources.requests.countByStatus(), 'requests by status'),
    bounded(() => sources.outbox.backlog(now), 'outbox backlog'),
    ...sources.subscriptions.map((definition) =>
      bounded(() => sources.bus.queueStats(definition), `queue ${definition.app}`),
    ),
  ]);
  const report: Record<string, QueueReport> = {};
  sources.subscriptions.forEach((definition, i) => {
    const result = queues[i];
    if (!result) return;
    report[`${definition.app}.${definition.name}`] = result.ok
      ? result.value
      : { error: message(result.error) };
  });
  const brokerAnswered = queues.some(
    (result) => result.ok || errorKindOf(result.error) === 'permanent',
  );
  return {
    dependencies: {
      database: ping.ok ? 'up' : 'down',
      broker: brokerAnswered ? 'up' : 'down',
    },
    queues: report,
    outbox: backlog.ok ? backlog.value : null,
    requests: counts.ok ? counts.value : null,
  };
}
