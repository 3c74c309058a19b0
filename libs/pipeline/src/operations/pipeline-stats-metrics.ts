import { Gauge, type Registry } from 'prom-client';
import type { PipelineStats } from './pipeline-stats';

type Sample = { labels: Record<string, string>; value: number };

/** One gauge whose series are all rewritten from the latest statistics at each scrape. */
function statsGauge(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  read: () => Promise<PipelineStats>,
  samples: (stats: PipelineStats) => Sample[],
): void {
  new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      const stats = await read();
      // A queue that could not be read drops out rather than showing a stale depth.
      this.reset();
      for (const sample of samples(stats)) this.set(sample.labels, sample.value);
    },
  });
}

const queueSamples =
  (field: 'messages' | 'consumers' | 'retrying' | 'deadLetters') =>
  (stats: PipelineStats): Sample[] =>
    Object.entries(stats.queues).flatMap(([subscription, report]) =>
      'error' in report ? [] : [{ labels: { subscription }, value: report[field] }],
    );

/**
 * Exposes the operator's statistics (the receiver's healthz, `linebacker stats`) as gauges:
 * queue depths, consumers, retrying and dead letters per subscription as the broker counts
 * them across every instance, requests by status, and each dependency up or down. `read` is
 * called once per gauge per scrape, so it should be cached (the receiver's healthz cache is).
 */
export function registerPipelineStatsGauges(
  registry: Registry,
  read: () => Promise<PipelineStats>,
): void {
  const gauge = (
    name: string,
    help: string,
    label: string,
    samples: (stats: PipelineStats) => Sample[],
  ) => statsGauge(registry, name, help, label, read, samples);
  gauge(
    'linebacker_queue_messages',
    'Messages ready in a subscription queue',
    'subscription',
    queueSamples('messages'),
  );
  gauge(
    'linebacker_queue_consumers',
    'Consumers on a subscription queue, across every instance',
    'subscription',
    queueSamples('consumers'),
  );
  gauge(
    'linebacker_queue_retrying',
    'Messages waiting in a subscription retry delay queues',
    'subscription',
    queueSamples('retrying'),
  );
  gauge(
    'linebacker_queue_dead_letters',
    'Messages in a subscription dead-letter queue',
    'subscription',
    queueSamples('deadLetters'),
  );
  gauge('linebacker_requests_in_status', 'Backup requests by status', 'status', (stats) =>
    Object.entries(stats.requests ?? {}).map(([status, value]) => ({ labels: { status }, value })),
  );
  gauge(
    'linebacker_dependency_up',
    '1 when the dependency answered the latest probe, else 0',
    'dependency',
    (stats) =>
      Object.entries(stats.dependencies).map(([dependency, state]) => ({
        labels: { dependency },
        value: state === 'up' ? 1 : 0,
      })),
  );
}
