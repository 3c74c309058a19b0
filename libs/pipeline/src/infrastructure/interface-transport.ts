// Only the SDK-free entry: the adapter is loaded when the transport is Azure (ADR 0112).
import { loadAzureQueues } from '@linebacker/azure-queues/config';
import { AmqpBackupInterface, AmqpExternalQueueConsumer } from '@linebacker/messaging';
import type { Logger, ServiceMetrics } from '@linebacker/runtime';
import type { InterfaceConfig, InterfaceQueuesConfig } from '../config/interface.config';
import type { PipelineConfig } from '../config/pipeline.config';
import type { ReplyConsumerFactory } from '../workers/interface-receiver.worker';
import type { ManagedBackupInterface } from '../workers/send-to-interface.worker';
import { reconnectCounter } from './bus-observer';

/** What composing the interface side reads: the shared keys plus the interface's. */
export type InterfaceTransportConfig = InterfaceConfig &
  Pick<
    PipelineConfig,
    | 'topology'
    | 'prefetch'
    | 'deliveryLimit'
    | 'handlerTimeoutMs'
    | 'startupAttempts'
    | 'amqpNodeOrder'
  >;

/**
 * The request side of the backup interface on the configured transport
 * (`LINEBACKER_INTERFACE_TRANSPORT`): apps never name an adapter class.
 */
export function backupInterfaceFor(
  config: InterfaceTransportConfig,
  logger: Logger,
  metrics: ServiceMetrics,
): ManagedBackupInterface {
  // The interface owns its queues; with declare-own this app may not create or configure them.
  const declare = config.topology === 'declare-all';
  if (config.interfaceTransport === 'azure-queue') {
    const { azureAccountFromConfig, AzureBackupInterface } = loadAzureQueues();
    return new AzureBackupInterface({
      account: azureAccountFromConfig(config),
      queue: config.interfaceAzureRequestQueue,
      encoding: config.interfaceAzureEncoding,
      createQueue: declare,
      startupMaxAttempts: config.startupAttempts,
    });
  }
  return new AmqpBackupInterface({
    url: config.interfaceAmqpUrl,
    password: config.interfaceAmqpPassword,
    nodeOrder: config.amqpNodeOrder,
    queue: config.interfaceRequestQueue,
    exchange: config.interfaceRequestExchange,
    declareQueue: declare,
    startupMaxAttempts: config.startupAttempts,
    observer: reconnectCounter(logger, metrics, 'interface'),
  });
}

/** The consumer of the interface's reply queue on the configured transport. */
export function replyConsumerFor(config: InterfaceTransportConfig): ReplyConsumerFactory {
  const declare = config.topology === 'declare-all';
  if (config.interfaceTransport === 'azure-queue') {
    const { azureAccountFromConfig, AzureQueueConsumer } = loadAzureQueues();
    const account = azureAccountFromConfig(config);
    return (handler, observer) =>
      new AzureQueueConsumer(
        {
          account,
          queue: config.interfaceAzureReplyQueue,
          encoding: config.interfaceAzureEncoding,
          createQueue: declare,
          batchSize: Math.min(32, config.prefetch),
          handlerTimeoutMs: config.handlerTimeoutMs,
          ...(config.interfaceAzureVisibilityTimeoutMs > 0
            ? { visibilityTimeoutMs: config.interfaceAzureVisibilityTimeoutMs }
            : {}),
          pollMaxDelayMs: config.interfaceAzurePollMaxDelayMs,
          deliveryLimit: config.interfaceAzureDeliveryLimit,
          startupMaxAttempts: config.startupAttempts,
          observer,
        },
        handler,
      );
  }
  return (handler, observer) =>
    new AmqpExternalQueueConsumer(
      {
        url: config.interfaceAmqpUrl,
        password: config.interfaceAmqpPassword,
        nodeOrder: config.amqpNodeOrder,
        queue: config.interfaceReplyQueue,
        returnExchange: config.interfaceReplyExchange,
        // The interface owns the reply queue; the parking queue is this app's own.
        declareQueue: declare,
        prefetch: config.prefetch,
        deliveryLimit: config.deliveryLimit,
        handlerTimeoutMs: config.handlerTimeoutMs,
        startupMaxAttempts: config.startupAttempts,
        observer,
      },
      handler,
    );
}

/**
 * The depths of the interface's queues for a process that neither sends nor consumes (the
 * receiver's healthz): Azure's request, reply and poison queues, each call bounded by
 * `requestTimeoutMs`; undefined on AMQP, whose queues the broker's management shows.
 */
export function interfaceQueueDepthsFor(
  config: InterfaceQueuesConfig,
  requestTimeoutMs: number,
): (() => Promise<Record<string, number>>) | undefined {
  if (config.interfaceTransport !== 'azure-queue') return undefined;
  const { azureAccountFromConfig, AzureQueueDepths, poisonQueueName } = loadAzureQueues();
  const queues = new AzureQueueDepths(
    { account: azureAccountFromConfig(config), requestTimeoutMs },
    [
      config.interfaceAzureRequestQueue,
      config.interfaceAzureReplyQueue,
      poisonQueueName(config.interfaceAzureReplyQueue),
    ],
  );
  return () => queues.depths();
}
