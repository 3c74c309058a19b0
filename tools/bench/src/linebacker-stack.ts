import {
  deleteBrokerNamespace,
  metricSamples,
  PIPELINE_WORKER_APPS,
  pipelineProcessStack,
  startPipeline,
  type PipelineWorkerApp,
  type ProcessStack,
} from '@linebacker/testing';
import type { Cleanup } from './cleanup';
import type { WatchedProcess } from './cpu-window';
import type { RunEnvironment } from './environment';
import { hundredths } from './rounds';

/** A sample's labels, as `metricSamples` reads them. */
type Labels = Record<string, string>;

/** The counter of messages each process handled, by subscription and outcome. */
const HANDLED = 'linebacker_messages_handled_total';
/** The histogram of group-commit batch and relay take sizes, by kind. */
const BATCH_SIZE = 'linebacker_db_batch_size';
/** prom-client's histogram of garbage collections, by kind (minor, major, incremental…). */
const GC_SECONDS = 'nodejs_gc_duration_seconds_sum';

/** What a stopped stack's processes counted, read from their `/metrics` before the stop. */
export interface StackCounters {
  /** Messages handled, by subscription and outcome. */
  deliveries: Record<string, number>;
  /**
   * linebacker only: by app and kind (`check-allowed changes`, `notifier relay`…), how many
   * group-commit batches or relay takes ran and how many calls or rows each held on average.
   */
  batchSizes?: Record<string, BatchSizes>;
  /**
   * linebacker only: seconds of garbage collection by app and kind (`check-allowed major`…),
   * over all its instances and its whole life, from Node's `nodejs_gc_duration_seconds`.
   */
  gcSeconds?: Record<string, number>;
}

/** Group-commit batches (or relay takes) of one app and kind, over all its instances. */
export interface BatchSizes {
  batches: number;
  mean: number;
}

/** A started linebacker stack as the bench drives it. */
export interface BenchStack {
  /** Every receiver's API, the first one first. */
  receiverUrls: string[];
  stack: ProcessStack;
  watched(): WatchedProcess[];
  /** Stops every process; resolves with what they counted. */
  stop(): Promise<StackCounters>;
}

/** What a linebacker stack of the bench is made of. */
export interface StackLayout {
  /** Instances of every worker app (0: the receiver alone, for the intake phase). */
  workers: number;
  /** Receivers (default 1). */
  receivers?: number;
  /** Every process in a session of its own (see `BundleOptions.ownSession`). */
  ownSessions?: boolean;
  /** Goes to every process. */
  env: Record<string, string>;
}

/** Starts the simulators, the receivers and the workers of `layout`. */
export async function startLinebackerStack(
  environment: RunEnvironment,
  cleanup: Cleanup,
  layout: StackLayout,
): Promise<BenchStack> {
  const { workers, receivers = 1, env } = layout;
  const stack = pipelineProcessStack({
    databaseUrl: environment.databaseUrl,
    amqpUrl: environment.amqpUrl,
    namespace: environment.namespace,
    env,
    ownSessions: layout.ownSessions,
  });
  const stopStack = cleanup.add(`stack ${environment.namespace}`, () => stack.stopAll(10_000));
  const instances = Object.fromEntries(PIPELINE_WORKER_APPS.map((app) => [app, workers])) as Record<
    PipelineWorkerApp,
    number
  >;
  let endpoints;
  try {
    endpoints = await startPipeline(stack, instances, { receivers });
  } catch (error) {
    await stopStack();
    throw error;
  }
  if (cleanup.closing) {
    // Ctrl-C while the stack was starting: the clean-up already removed the namespace, which
    // the instances started since then declared again.
    await stack.stopAll(5_000);
    await deleteBrokerNamespace(environment.amqpUrl, environment.namespace);
    throw new Error('interrupted while starting');
  }
  const stop = async (): Promise<StackCounters> => {
    // Read while the processes still run: a message handled as planned is only a debug line.
    let counters: StackCounters = { deliveries: {} };
    try {
      counters = await stackCounters(stack);
    } finally {
      await stopStack();
    }
    // A batch of 20,000 leaves tens of thousands of parsed lines per stack: let them go.
    for (const p of stack.processes) p.handle.lines.length = 0;
    return counters;
  };
  return {
    receiverUrls: endpoints.receiverUrls,
    stack,
    watched: () =>
      stack.running().map((p) => ({ name: p.name, role: p.app, pid: p.handle.child.pid ?? -1 })),
    stop,
  };
}

/**
 * Where a process serves `/metrics`: a worker logs its health port, the receiver the address
 * of its operator listener beside the public one.
 */
function operatorUrl(lines: ReadonlyArray<Record<string, unknown>>): string | undefined {
  for (const line of lines) {
    if (line['message'] === 'health port listening' && line['port'] !== undefined)
      return `http://127.0.0.1:${String(line['port'])}`;
    if (line['message'] === 'listening' && typeof line['operatorAddress'] === 'string')
      return line['operatorAddress'];
  }
  return undefined;
}

/**
 * The messages every process of the stack handled, by subscription and outcome (duplicates
 * show as `already-done`, retries as `retried`), from the `linebacker_messages_handled_total`
 * counters of each process's `/metrics` (the operator port it logged at start); and the sizes
 * of its group-commit batches and relay takes, from `linebacker_db_batch_size`, and its
 * garbage collection by kind, from `nodejs_gc_duration_seconds`.
 */
export async function stackCounters(stack: ProcessStack): Promise<StackCounters> {
  const deliveries: Record<string, number> = {};
  const batches: Record<string, number> = {};
  const calls: Record<string, number> = {};
  const gc: Record<string, number> = {};
  for (const p of stack.running()) {
    const base = operatorUrl(p.handle.lines);
    if (base === undefined) continue;
    const response = await fetch(`${base}/metrics`);
    if (!response.ok) throw new Error(`${p.name} /metrics answered ${response.status}`);
    const text = await response.text();
    const add = (into: Record<string, number>, name: string, keyOf: (l: Labels) => string) => {
      for (const sample of metricSamples(text, name)) {
        const key = keyOf(sample.labels);
        into[key] = (into[key] ?? 0) + sample.value;
      }
    };
    const byAppAndKind = (labels: Labels) => `${p.app} ${labels['kind'] ?? '?'}`;
    add(deliveries, HANDLED, (l) => `${l['subscription'] ?? '?'} ${l['outcome'] ?? '?'}`);
    add(batches, `${BATCH_SIZE}_count`, byAppAndKind);
    add(calls, `${BATCH_SIZE}_sum`, byAppAndKind);
    add(gc, GC_SECONDS, byAppAndKind);
  }
  const sorted = (record: Record<string, number>) =>
    Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  const batchSizes = Object.fromEntries(
    sorted(batches)
      .filter(([, count]) => count > 0)
      .map(([key, count]) => [
        key,
        { batches: count, mean: hundredths((calls[key] ?? 0) / count) },
      ]),
  );
  const gcSeconds = Object.fromEntries(
    sorted(gc).map(([key, seconds]) => [key, Math.round(seconds * 1000) / 1000]),
  );
  return { deliveries, batchSizes, gcSeconds };
}
