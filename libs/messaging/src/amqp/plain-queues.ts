import type { ChannelModel } from 'amqplib';
import { withChannel } from './amqp-topology';
import type { ConnectionParticipant } from './connection-supervisor';

/** A plain durable queue to declare (external queues and their parking queues). */
export interface PlainQueueSpec {
  name: string;
  arguments: Record<string, string | number>;
}

/**
 * Declares plain durable queues on every (re)connect, before anything uses them, and checks
 * (passively: no permission needed) that the exchanges published through exist, so a broker
 * that was not provisioned fails the start instead of every publish.
 */
export class PlainQueuesParticipant implements ConnectionParticipant {
  constructor(
    private readonly queues: readonly PlainQueueSpec[],
    private readonly exchanges: readonly string[] = [],
  ) {}

  /** Declares every queue (idempotent; 406 if it exists with other arguments). */
  async onConnect(connection: ChannelModel): Promise<void> {
    if (this.queues.length === 0 && this.exchanges.length === 0) return;
    await withChannel(connection, async (channel) => {
      for (const exchange of this.exchanges) await channel.checkExchange(exchange);
      for (const queue of this.queues)
        await channel.assertQueue(queue.name, {
          durable: true,
          autoDelete: false,
          arguments: queue.arguments,
        });
    });
  }

  /** Nothing to forget: queues live on the broker. */
  onDisconnect(): void {
    return undefined;
  }
}
