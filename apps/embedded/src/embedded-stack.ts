import { readFileSync } from 'node:fs';
import { HttpBackupJobService } from '@linebacker/backup-job-client';
import type { CallbackDeliverySettings } from '@linebacker/callbacks';
import type { EndStateNotifier } from '@linebacker/domain';
import {
  InMemoryBackupInterface,
  InMemoryBroker,
  InMemoryMessageBus,
  InMemoryQueue,
} from '@linebacker/messaging';
import {
  checkAllowedWorker,
  endStateNotifier,
  interfaceReceiverWorker,
  notifierWorker,
  PAYLOAD_SCHEMAS,
  receiveStatusWorker,
  receiverWorker,
  recoveryWorker,
  SERVICES,
  sendToInterfaceWorker,
  startPipelineService,
  type PipelineServiceOptions,
  type ReceiverAddresses,
  type ReceiverConfig,
  type RecoverySettings,
  type RetentionSettings,
  type SendSettings,
} from '@linebacker/pipeline';
import { createLogger, createServiceMetrics, type RunningService } from '@linebacker/runtime';
import {
  buildJobServiceApp,
  InterfaceSimulator,
  parseInterfaceRequest,
  parseJobsFixture,
} from '@linebacker/simulators';

/** Everything the embedded stack is built from. */
export interface EmbeddedStackOptions {
  config: ReceiverConfig &
    RecoverySettings &
    RetentionSettings &
    SendSettings &
    CallbackDeliverySettings;
  jobsFile: string;
  replyDelayMs: number;
  failedShare: number;
  notifier: EndStateNotifier;
}

/** The running stack: where the API listens, and how to stop it. */
export interface EmbeddedStack extends RunningService {
  addresses: ReceiverAddresses;
}

type WorkerFactory = PipelineServiceOptions['worker'];

/** Requests the simulated interface holds at once (the standalone simulator's default). */
const SIMULATOR_PREFETCH = 500;

/**
 * Every service of the pipeline in this process, each with its own pool, relay and bus
 * endpoint on one in-memory broker: the same use cases, repositories, workers and runner as
 * production; only the broker, the database server and the external systems are stand-ins.
 */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const { config } = options;
  const broker = new InMemoryBroker();
  const requestQueue = new InMemoryQueue(
    config.namespace ? `${config.namespace}.requests` : 'backup-interface.requests',
    broker,
  );
  const replyQueue = new InMemoryQueue(
    config.namespace ? `${config.namespace}.replies` : 'backup-interface.replies',
    broker,
  );
  const stoppers: Array<(deadlineMs: number) => Promise<void>> = [];

  const jobService = buildJobServiceApp(parseJobsFixture(readFileSync(options.jobsFile, 'utf8')));
  const jobServiceUrl = await jobService.listen({ host: '127.0.0.1', port: 0 });
  stoppers.push(() => jobService.close());

  const simulator = new InterfaceSimulator(
    { replyDelayMs: options.replyDelayMs, failedShare: options.failedShare },
    async (reply) =>
      replyQueue.send(JSON.stringify(reply), { messageId: `${reply.backupRequestId}:reply` }),
  );
  // The simulated interface works on many requests at once, as the standalone simulator does
  // (LINEBACKER_SIM_PREFETCH): each one waits out the reply delay without holding the others.
  const simulatorConsumer = requestQueue.consumer(
    async (message) => {
      const request = parseInterfaceRequest(message.body);
      await simulator.handle(request, message.messageId, message.redelivered);
      return { requestId: request.backupRequestId };
    },
    { prefetch: SIMULATOR_PREFETCH },
  );
  await simulatorConsumer.start();
  stoppers.push((deadline) => simulatorConsumer.stop(deadline));

  const jobs = () => new HttpBackupJobService({ baseUrl: jobServiceUrl, timeoutMs: 2000 });
  const services: Array<[string, WorkerFactory]> = [
    [
      SERVICES.httpReceiver,
      (ctx, infrastructure) =>
        receiverWorker(ctx, infrastructure, config, (listening) => (addresses = listening)),
    ],
    [SERVICES.checkAllowed, (ctx) => checkAllowedWorker(ctx, jobs())],
    [
      SERVICES.sendToInterface,
      (ctx) => sendToInterfaceWorker(ctx, new InMemoryBackupInterface(requestQueue), config),
    ],
    [
      SERVICES.interfaceReceiver,
      (ctx) =>
        interfaceReceiverWorker(ctx, (handler, observer) =>
          replyQueue.consumer(handler, { observer }),
        ),
    ],
    [SERVICES.receiveStatus, (ctx) => receiveStatusWorker(ctx, jobs())],
    [
      SERVICES.notifier,
      (ctx) => notifierWorker(ctx, endStateNotifier(ctx, config, options.notifier)),
    ],
    [
      SERVICES.recovery,
      (ctx, infrastructure) =>
        recoveryWorker(ctx, config, { store: infrastructure.retention, settings: config }),
    ],
  ];
  let addresses: ReceiverAddresses = { api: '', operator: '' };
  try {
    for (const [service, worker] of services) {
      const started = await startPipelineService({
        service,
        // Only the first service migrates; the rest find the schema in place.
        config: { ...config, runMigrations: service === SERVICES.httpReceiver },
        logger: createLogger({ service, instance: config.instanceId, level: config.logLevel }),
        metrics: createServiceMetrics(service),
        healthServer: false,
        sharedDatabaseSession: true,
        bus: (observer) =>
          new InMemoryMessageBus({
            broker,
            namespace: config.namespace,
            payloadSchemas: PAYLOAD_SCHEMAS,
            observer,
          }),
        worker,
      });
      stoppers.unshift((deadline) => started.stop(deadline));
    }
  } catch (error) {
    for (const stop of stoppers) await stop(1000).catch(() => undefined);
    throw error;
  }
  return {
    addresses,
    async stop(deadlineMs) {
      for (const stop of stoppers) await stop(deadlineMs);
    },
  };
}
