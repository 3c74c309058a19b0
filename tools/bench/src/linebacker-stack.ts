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

/** The counter of messages each process handled, by subscription and outcome. */
const HANDLED = 'linebacker_messages_handled_total';

/** A started linebacker stack as the bench drives it. */
export interface BenchStack {
  receiverUrl: string;
  stack: ProcessStack;
  watched(): WatchedProcess[];
  /** Stops every process; resolves with the deliveries handled per subscription and outcome. */
  stop(): Promise<Record<string, number>>;
}

/**
 * Starts the simulators, the receiver and `workers` instances of every worker app (0: the
 * receiver alone, for the intake phase). `env` goes to every process.
 */
export async function startLinebackerStack(
  environment: RunEnvironment,
  cleanup: Cleanup,
  workers: number,
  env: Record<string, string>,
): Promise<BenchStack> {
  const stack = pipelineProcessStack({
    databaseUrl: environment.databaseUrl,
    amqpUrl: environment.amqpUrl,
    namespace: environment.namespace,
    env,
  });
  const stopStack = cleanup.add(`stack ${environment.namespace}`, () => stack.stopAll(10_000));
  const instances = Object.fromEntries(PIPELINE_WORKER_APPS.map((app) => [app, workers])) as Record<
    PipelineWorkerApp,
    number
  >;
  let endpoints;
  try {
    endpoints = await startPipeline(stack, instances);
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
  const stop = async (): Promise<Record<string, number>> => {
    // Read while the processes still run: a message handled as planned is only a debug line.
    let deliveries: Record<string, number> = {};
    try {
      deliveries = await deliveriesHandled(stack);
    } finally {
      await stopStack();
    }
    // A batch of 20,000 leaves tens of thousands of parsed lines per stack: let them go.
    for (const p of stack.processes) p.handle.lines.length = 0;
    return deliveries;
  };
  return {
    receiverUrl: endpoints.receiverUrl,
    stack,
    watched: () =>
      stack.running().map((p) => ({ name: p.name, role: p.app, pid: p.handle.child.pid ?? -1 })),
    stop,
  };
}

/**
 * The messages every process of the stack handled, by subscription and outcome (duplicates
 * show as `already-done`, retries as `retried`), from the `linebacker_messages_handled_total`
 * counters of each process's `/metrics` (the health port it logged at start).
 */
export async function deliveriesHandled(stack: ProcessStack): Promise<Record<string, number>> {
  const deliveries: Record<string, number> = {};
  for (const p of stack.running()) {
    const port = p.handle.lines.find((l) => l['message'] === 'health port listening')?.['port'];
    if (port === undefined) continue;
    const response = await fetch(`http://127.0.0.1:${String(port)}/metrics`);
    if (!response.ok) throw new Error(`${p.name} /metrics answered ${response.status}`);
    for (const sample of metricSamples(await response.text(), HANDLED)) {
      const key = `${sample.labels['subscription'] ?? '?'} ${sample.labels['outcome'] ?? '?'}`;
      deliveries[key] = (deliveries[key] ?? 0) + sample.value;
    }
  }
  return deliveries;
}
