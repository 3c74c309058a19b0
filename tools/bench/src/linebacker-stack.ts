import {
  deleteBrokerNamespace,
  PIPELINE_WORKER_APPS,
  pipelineProcessStack,
  startPipeline,
  type PipelineWorkerApp,
  type ProcessStack,
} from '@linebacker/testing';
import type { Cleanup } from './cleanup';
import type { WatchedProcess } from './cpu-window';
import type { RunEnvironment } from './environment';

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
    await stopStack();
    const deliveries: Record<string, number> = {};
    for (const p of stack.processes) {
      for (const line of p.handle.lines) {
        if (line['message'] !== 'message handled' && line['message'] !== 'reply handled') continue;
        // By outcome too: duplicates show up as `already-done`, retries as `retried`.
        const key = `${String(line['subscription'])} ${String(line['outcome'])}`;
        deliveries[key] = (deliveries[key] ?? 0) + 1;
      }
      // A batch of 20,000 leaves over 100,000 parsed lines per stack: let them go.
      p.handle.lines.length = 0;
    }
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
