import type { BackupInterface, InterfaceRequest } from '@linebacker/domain';
import type { MessageBusObserver } from '../port/message-bus.port';
import { ConfirmPublisher } from './confirm-publisher';
import type { ConnectionOptions } from './connection-options';
import { ConnectionSupervisor, type AmqpConnect } from './connection-supervisor';
import { PlainQueuesParticipant } from './plain-queues';

/** Where and how requests reach the external backup interface. */
export interface AmqpBackupInterfaceConfig extends ConnectionOptions {
  /** The interface's request queue (it may live on another broker or vhost: own URL). */
  queue: string;
  /** Declare the queue (durable) on connect; off when the interface owns it (default true). */
  declareQueue?: boolean;
  /** Arguments to declare it with; must match the existing queue's (default none). */
  queueArguments?: Record<string, string | number>;
  observer?: Pick<MessageBusObserver, 'onConnectionChange' | 'onChannelError' | 'onError'>;
}

/**
 * The BackupInterface port on AMQP: each request is sent as JSON straight to the
 * interface's queue, persistent, mandatory and confirmed, with `message_id` =
 * backupRequestId so the interface can drop a repeated request. Rejects `unavailable`
 * while disconnected (the caller's runner retries later; nothing is buffered here).
 */
export class AmqpBackupInterface implements BackupInterface {
  private readonly supervisor: ConnectionSupervisor;
  private readonly publisher: ConfirmPublisher;

  constructor(
    private readonly config: AmqpBackupInterfaceConfig,
    connect?: AmqpConnect,
  ) {
    this.supervisor = new ConnectionSupervisor(
      { connectionName: 'linebacker-backup-interface', ...config },
      config.observer,
      connect,
    );
    this.publisher = new ConfirmPublisher({
      name: 'backup-interface',
      observer: config.observer,
      isBlocked: () => this.supervisor.isBlocked(),
      onChannelLost: (reason) => this.supervisor.recycle(reason),
    });
    const declare = config.declareQueue ?? true;
    const queues = declare ? [{ name: config.queue, arguments: config.queueArguments ?? {} }] : [];
    void this.supervisor.add(new PlainQueuesParticipant(queues));
    void this.supervisor.add(this.publisher);
  }

  /** Connects (bounded attempts) and declares the queue. */
  start(): Promise<void> {
    return this.supervisor.start();
  }

  /** Connected and able to publish. */
  isReady(): boolean {
    return this.supervisor.isReady() && this.publisher.isAvailable();
  }

  /** Sends one request; resolves on the broker's confirm. */
  async send(request: InterfaceRequest): Promise<void> {
    const body = Buffer.from(JSON.stringify(request), 'utf8');
    await this.publisher.publish('', this.config.queue, body, {
      messageId: request.backupRequestId,
      contentType: 'application/json',
      timestamp: Math.floor(Date.now() / 1000),
    });
  }

  /** Closes the connection. */
  stop(): Promise<void> {
    return this.supervisor.stop();
  }
}
