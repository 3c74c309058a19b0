import { loadAzureQueues } from '@linebacker/azure-queues/config';
import type { StoreStatusReply } from '@linebacker/domain';
import {
  AmqpExternalQueueConsumer,
  AmqpQueuePublisher,
  type ExternalQueueConsumer,
  type ExternalQueueObserver,
  type RawMessageHandler,
} from '@linebacker/messaging';
import type { InterfaceSimulatorConfig } from './simulator-config';

/** The simulated interface's two queues on one transport. */
export interface SimulatorTransport {
  /** Starts the reply side (bounded attempts). */
  start(): Promise<void>;
  /** Sends one reply; resolves once the transport stored it. */
  sendReply(reply: StoreStatusReply): Promise<void>;
  /** The consumer of the request queue around `handler`. */
  requests(handler: RawMessageHandler, observer: ExternalQueueObserver): ExternalQueueConsumer;
  /**
   * The id the interface drops duplicates by: AMQP's `message_id`; on Azure, where the
   * service assigns message ids, the `backupRequestId` in the body.
   */
  dedupKey(messageId: string | undefined, backupRequestId: string): string | undefined;
  stop(): Promise<void>;
}

/**
 * The simulator's queues on the configured transport (`LINEBACKER_INTERFACE_TRANSPORT`); the
 * Azure adapter and its SDK are loaded only for Azure (ADR 0112).
 */
export function simulatorTransport(config: InterfaceSimulatorConfig): SimulatorTransport {
  return config.interfaceTransport === 'azure-queue'
    ? azureTransport(config)
    : amqpTransport(config);
}

function amqpTransport(config: InterfaceSimulatorConfig): SimulatorTransport {
  const broker = { url: config.amqpUrl, password: config.amqpPassword };
  const replies = new AmqpQueuePublisher({ ...broker, queue: config.replyQueue });
  return {
    start: () => replies.start(),
    sendReply: (reply) => replies.sendJson(reply, `${reply.backupRequestId}:reply`),
    requests: (handler, observer) =>
      new AmqpExternalQueueConsumer(
        { ...broker, queue: config.requestQueue, prefetch: config.prefetch, observer },
        handler,
      ),
    dedupKey: (messageId) => messageId,
    stop: () => replies.stop(),
  };
}

function azureTransport(config: InterfaceSimulatorConfig): SimulatorTransport {
  const { azureAccountFromConfig, AzureQueueConsumer, AzureQueuePublisher } = loadAzureQueues();
  const account = {
    account: azureAccountFromConfig(config),
    encoding: config.interfaceAzureEncoding,
  };
  const replies = new AzureQueuePublisher({ ...account, queue: config.interfaceAzureReplyQueue });
  return {
    start: () => replies.start(),
    sendReply: (reply) => replies.sendJson(reply),
    requests: (handler, observer) =>
      new AzureQueueConsumer(
        {
          ...account,
          queue: config.interfaceAzureRequestQueue,
          batchSize: Math.min(32, config.prefetch),
          pollMaxDelayMs: 200,
          // Replies go out within the reply delay: a shorter visibility timeout than the
          // default minute brings back a request whose delete was lost (an outage) sooner.
          handlerTimeoutMs: 20_000 + config.replyDelayMs,
          visibilityTimeoutMs: 30_000 + config.replyDelayMs,
          observer,
        },
        handler,
      ),
    dedupKey: (_messageId, backupRequestId) => backupRequestId,
    stop: () => replies.stop(),
  };
}
