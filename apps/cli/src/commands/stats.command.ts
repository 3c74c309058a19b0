import { UnavailableError } from '@linebacker/domain';
import {
  allSubscriptions,
  collectPipelineStats,
  withProbeTimeout,
  type PipelineStats,
  type PipelineStatsSources,
} from '@linebacker/pipeline';
import type { CliConfig } from '../config';
import type { CliConnections } from '../connections';
import { EXIT } from '../exit-codes';
import { table, type CommandResult } from '../output';

const down = (what: string, error: unknown) => async (): Promise<never> => {
  throw new UnavailableError(
    `${what}Unavailable`,
    error instanceof Error ? error.message : String(error),
  );
};

function render(stats: PipelineStats): string {
  const queueRows = Object.entries(stats.queues).map(([name, report]) =>
    'error' in report
      ? [name, '-', '-', '-', '-', report.error]
      : [name, report.messages, report.consumers, report.retrying, report.deadLetters, ''],
  );
  const outbox = stats.outbox
    ? `${stats.outbox.count} unpublished, oldest ${(stats.outbox.oldestAgeMs / 1000).toFixed(1)} s`
    : 'unknown (could not be read)';
  const requests = stats.requests
    ? Object.entries(stats.requests)
        .map(([status, count]) => `${status} ${count}`)
        .join('  ')
    : 'unknown (could not be read)';
  return [
    `database ${stats.dependencies.database}  broker ${stats.dependencies.broker}`,
    '',
    table(['subscription', 'ready', 'consumers', 'retrying', 'dead letters', 'error'], queueRows),
    '',
    `outbox    ${outbox}`,
    `requests  ${requests}`,
  ].join('\n');
}

/**
 * `stats`: the same bounded statistics as the receiver's healthz, read directly. A
 * dependency that cannot be reached is reported `down` (exit 4) and the rest still shown.
 */
export async function pipelineStats(
  config: CliConfig,
  connections: CliConnections,
  timeoutMs: number,
): Promise<CommandResult> {
  const [db, bus] = await Promise.all([
    withProbeTimeout(connections.db(), timeoutMs, 'database connect').then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    withProbeTimeout(connections.bus(), timeoutMs, 'broker connect').then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  ]);
  const sources: PipelineStatsSources = {
    requests: db.ok ? db.value.requests : { countByStatus: down('Database', db.error) },
    outbox: db.ok ? db.value.outbox : { backlog: down('Database', db.error) },
    pingDatabase: db.ok ? () => db.value.ping() : down('Database', db.ok ? '' : db.error),
    bus: bus.ok ? bus.value : { queueStats: down('Broker', bus.ok ? '' : bus.error) },
    subscriptions: allSubscriptions(config),
    timeoutMs,
  };
  const stats = await collectPipelineStats(sources);
  const healthy = stats.dependencies.database === 'up' && stats.dependencies.broker === 'up';
  return { data: stats, text: render(stats), exitCode: healthy ? EXIT.ok : EXIT.unavailable };
}
