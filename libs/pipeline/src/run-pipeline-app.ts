import {
  createLogger,
  createServiceMetrics,
  defaultInstanceId,
  loadConfigOrExit,
  runService,
  type ConfigSchema,
} from '@linebacker/runtime';
import type { PipelineConfig } from './config/pipeline.config';
import type { Infrastructure } from './infrastructure/infrastructure';
import { startPipelineService } from './run-pipeline-service';
import type { Worker, WorkerContext } from './workers/worker';

/** An app's whole `main.ts`: its name, its config schema and how to build its worker. */
export interface PipelineAppDefinition<C extends PipelineConfig> {
  service: string;
  schema: ConfigSchema<C>;
  worker(ctx: WorkerContext, infrastructure: Infrastructure, config: C): Worker | Promise<Worker>;
  /** False when the worker serves its own zpages (the HTTP receiver). */
  healthServer?: boolean;
  /**
   * Checks of the keys taken together, before anything is connected; throws a ConfigError
   * (the app exits 1 naming every problem, as for a bad key).
   */
  validate?(config: C): void;
}

/**
 * Runs a pipeline app as a process: validated config (exit 1 naming every problem), JSON
 * logs, metrics, bounded start-up retries, readiness to PM2, graceful SIGTERM.
 */
export function runPipelineApp<C extends PipelineConfig>(
  definition: PipelineAppDefinition<C>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const loaded = loadConfigOrExit(definition.service, definition.schema, env, definition.validate);
  const config = { ...loaded, instanceId: loaded.instanceId || defaultInstanceId() };
  const logger = createLogger({
    service: definition.service,
    instance: config.instanceId,
    level: config.logLevel,
  });
  const metrics = createServiceMetrics(definition.service);
  return runService({
    name: definition.service,
    logger,
    stopDeadlineMs: config.stopDeadlineMs,
    start: () =>
      startPipelineService({
        service: definition.service,
        config,
        logger,
        metrics,
        healthServer: definition.healthServer,
        worker: (ctx, infrastructure) => definition.worker(ctx, infrastructure, config),
      }),
  });
}
