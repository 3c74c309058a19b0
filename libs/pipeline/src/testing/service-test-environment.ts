import type { Writable } from 'node:stream';
import { createLogger, createServiceMetrics, loadConfig } from '@linebacker/runtime';
import {
  createTestDatabase,
  deleteBrokerNamespace,
  rabbitmqForTests,
  testNamespace,
  type TestService,
} from '@linebacker/testing';
import { pipelineConfigSchema, type PipelineConfig } from '../config/pipeline.config';
import { startPipelineService, type StartedPipelineService } from '../run-pipeline-service';
import type { Worker, WorkerContext } from '../workers/worker';

/**
 * A test database, the local RabbitMQ under a namespace of its own, and the pipeline services
 * a spec starts on them; `close` stops the services (last first) and removes the rest.
 */
export interface ServiceTestEnvironment {
  config: PipelineConfig;
  /** The broker's URL and the namespace of every queue and exchange the services declare. */
  brokerUrl: string;
  namespace: string;
  start(
    service: string,
    worker: (ctx: WorkerContext) => Worker | Promise<Worker>,
    log: Writable,
  ): Promise<StartedPipelineService>;
  close(): Promise<void>;
}

/**
 * Opens a {@link ServiceTestEnvironment} named after `prefix`, with classic queues and the
 * migrations run by the first service; `env` adds or overrides settings.
 */
export async function openServiceTestEnvironment(
  prefix: string,
  env: Record<string, string> = {},
): Promise<ServiceTestEnvironment> {
  const database: TestService = await createTestDatabase(prefix);
  // A broker that cannot be had must not leave the database behind.
  const broker: TestService = await rabbitmqForTests().catch(async (error: unknown) => {
    await database.stop();
    throw error;
  });
  const namespace = testNamespace(prefix);
  const config = loadConfig(pipelineConfigSchema(0), {
    LINEBACKER_DATABASE_URL: database.url,
    LINEBACKER_AMQP_URL: broker.url,
    LINEBACKER_NAMESPACE: namespace,
    // Classic queues: what these specs check does not depend on the queue type.
    LINEBACKER_QUEUE_TYPE: 'classic',
    LINEBACKER_RUN_MIGRATIONS: 'true',
    ...env,
  });
  const services: StartedPipelineService[] = [];
  return {
    config,
    brokerUrl: broker.url,
    namespace,
    async start(service, worker, log) {
      const started = await startPipelineService({
        service,
        config,
        logger: createLogger({ service, stream: log }),
        metrics: createServiceMetrics(service),
        healthServer: false,
        worker,
      });
      services.push(started);
      return started;
    },
    async close() {
      try {
        for (const service of services.splice(0).reverse()) await service.stop(1000);
      } finally {
        // Also after a service that failed to stop: the namespace and the database go.
        await deleteBrokerNamespace(broker.url, namespace);
        await database.stop();
        await broker.stop();
      }
    },
  };
}
