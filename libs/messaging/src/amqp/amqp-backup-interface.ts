import type { BackupInterface, InterfaceRequest } from '@linebacker/domain';
import type { MessageBusObserver } from '../port/message-bus.port';
import { ConfirmPublisher } from './confirm-publisher';
import type { ConnectionOptions } from './connection-options';
import { ConnectionSupervisor, type AmqpConnect } from './connection-supervisor';
import { PlainQueuesParticipant } from './plain-queues';

/** A plain queue to send JSON messages to, on its own supervised connection. */
export interface AmqpQueuePublisherConfig extends ConnectionOptions {
  /** The target queue (it may live on another broker or vhost: own URL). */
  queue: string;
  /** Declare the queue (durable) on connect; off when its owner declares it (default true). */
  declareQueue?: boolean;
  /** Arguments to declare it with; must match the existing queue's (default none). */
  queueArguments?: Record<string, string | number>;
  /**
   * Publish through this exchange, routing key = the queue's name, instead of the default
   * exchange (default ''). Write on the default exchange reaches every queue of the vhost,
   * so a sender restricted to one queue gets write on an exchange bound to that queue only.
   */
  exchange?: string;
  observer?: Pick<MessageBusObserver, 'onConnectionChange' | 'onChannelError' | 'onError'>;
}

/** Where and how requests reach the external backup interface. */
export type AmqpBackupInterfaceConfig = AmqpQueuePublisherConfig;

/**
 * Sends JSON messages straight to one plain queue: persistent, mandatory and confirmed.
 * Rejects `unavailable` while disconnected (the caller retries later; nothing is buffered).
 */
export class AmqpQueuePublisher {
  private readonly supervisor: ConnectionSupervisor;
  private readonly publisher: ConfirmPublisher;

  constructor(
    private readonly config: AmqpQueuePublisherConfig,
    connect?: AmqpConnect,
  ) {
    this.supervisor = new ConnectionSupervisor(
      { connectionName: `linebacker-${config.queue}`, ...config },
      config.observer,
      connect,
    );
    this.publisher = new ConfirmPublisher({
      name: config.queue,
      observer: config.observer,
      isBlocked: () => this.supervisor.isBlocked(),
      onChannelLost: (reason) => this.supervisor.recycle(reason),
    });
    const declare = config.declareQueue ?? true;
    const queues = declare ? [{ name: config.queue, arguments: config.queueArguments ?? {} }] : [];
    const exchanges = config.exchange ? [config.exchange] : [];
    void this.supervisor.add(new PlainQueuesParticipant(queues, exchanges));
    void this.supervisor.add(this.publisher);
  }

  /** Connects (bounded attempts), declares the queue and checks the exchange. */
  start(): Promise<void> {
    return this.supervisor.start();
  }

  /** Connected and able to publish. */
  isReady(): boolean {
    return this.supervisor.isReady() && this.publisher.isAvailable();
  }

  /** Sends one JSON message with the given AMQP `message_id`; resolves on the confirm. */
  async sendJson(value: unknown, messageId: string): Promise<void> {
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    await this.publisher.publish(this.config.exchange ?? '', this.config.queue, body, {
      messageId,
      contentType: 'application/json',
      timestamp: Math.floor(Date.now() / 1000),
    });
  }

  /** Closes the connection within `deadlineMs` (see ConnectionSupervisor.stop). */
  stop(deadlineMs?: number): Promise<void> {
    return this.supervisor.stop(deadlineMs);
  }
}

/**
 * The BackupInterface port on AMQP: each request goes as JSON to the interface's queue with
 * `message_id` = backupRequestId, so the interface can drop a repeated request.
 */
export class AmqpBackupInterface implements BackupInterface {
  private readonly queue: AmqpQueuePublisher;

  constructor(config: AmqpBackupInterfaceConfig, connect?: AmqpConnect) {
    this.queue = new AmqpQueuePublisher(
      { connectionName: 'linebacker-backup-interface', ...config },
      connect,
    );
  }

  /** Connects (bounded attempts) and declares the queue. */
  start(): Promise<void> {
    return this.queue.start();
  }

  /** Connected and able to publish. */
  isReady(): boolean {
    return this.queue.isReady();
  }

  /** Sends one request; resolves on the broker's confirm. */
  send(request: InterfaceRequest): Promise<void> {
    return this.queue.sendJson(request, request.backupRequestId);
  }

  /** Closes the connection within `deadlineMs`. */
  stop(deadlineMs?: number): Promise<void> {
    return this.queue.stop(deadlineMs);
  }
}
