import type { QueueClient } from '@azure/storage-queue';
import type { BackupInterface, InterfaceRequest } from '@linebacker/domain';
import { classifyAzureError, retryStartup, type StartupRetry } from './azure-errors';
import { approximateDepths } from './queue-depths';
import {
  assertQueueName,
  DEFAULT_REQUEST_TIMEOUT_MS,
  encodeMessage,
  queueClient,
  type AzureQueueConnection,
} from './queue-connection';

/** An Azure Storage queue to send JSON messages to. */
export interface AzureQueuePublisherConfig extends AzureQueueConnection, StartupRetry {
  /** Create the queue at start-up if missing; off when the interface owns it (default true). */
  createQueue?: boolean;
}

/** Where and how requests reach the backup interface over Azure Storage Queues. */
export type AzureBackupInterfaceConfig = AzureQueuePublisherConfig;

/**
 * Sends JSON messages to one Azure Storage queue. A send resolves once the service has
 * stored the message (HTTP 201); it is never buffered, and fails with a classified error.
 */
export class AzureQueuePublisher {
  private readonly client: QueueClient;
  private ready = false;

  constructor(
    private readonly config: AzureQueuePublisherConfig,
    client?: QueueClient,
  ) {
    assertQueueName(config.queue);
    this.client = client ?? queueClient(config);
  }

  /** Checks the account answers (creating the queue when configured), bounded attempts. */
  async start(): Promise<void> {
    await retryStartup(this.config, this.config.queue, async () => {
      if (this.config.createQueue ?? true) await this.client.createIfNotExists();
      else await this.client.getProperties();
    });
    this.ready = true;
  }

  /** Started (a send may still fail; readiness does not probe the account on every call). */
  isReady(): boolean {
    return this.ready;
  }

  /** The queue's approximate message count (the service's estimate). */
  queueDepths(): Promise<Record<string, number>> {
    return approximateDepths([this.client]);
  }

  /** Sends one JSON message; resolves when the service stored it. */
  async sendJson(value: unknown): Promise<void> {
    const text = encodeMessage(JSON.stringify(value), this.config.encoding);
    try {
      await this.client.sendMessage(text, {
        abortSignal: AbortSignal.timeout(
          this.config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        ),
      });
    } catch (error) {
      throw classifyAzureError(error, `send to ${this.config.queue}`);
    }
  }

  /** Nothing to close: every call is its own HTTP request. */
  async stop(): Promise<void> {
    this.ready = false;
  }
}

/**
 * The BackupInterface port on an Azure Storage queue: one message per request, its JSON body
 * carrying `backupRequestId`, which is the interface's dedup key (the service assigns its own
 * message ids, so a repeated send is recognisable by the body only).
 */
export class AzureBackupInterface implements BackupInterface {
  private readonly queue: AzureQueuePublisher;

  constructor(config: AzureBackupInterfaceConfig, client?: QueueClient) {
    this.queue = new AzureQueuePublisher(config, client);
  }

  /** Checks the account answers (creating the queue when configured), bounded attempts. */
  start(): Promise<void> {
    return this.queue.start();
  }

  /** Started. */
  isReady(): boolean {
    return this.queue.isReady();
  }

  /** Sends one request; resolves when the service stored it, rejects with a classified error. */
  send(request: InterfaceRequest): Promise<void> {
    return this.queue.sendJson(request);
  }

  /** The request queue's approximate message count. */
  queueDepths(): Promise<Record<string, number>> {
    return this.queue.queueDepths();
  }

  /** Nothing to close. */
  stop(): Promise<void> {
    return this.queue.stop();
  }
}
