import type { QueueClient } from '@azure/storage-queue';
import { classifyAzureError } from './azure-errors';
import { queueClient, type AzureQueueConnection } from './queue-connection';

/**
 * The approximate message counts of some queues (the service's estimate, what healthz
 * shows), read in parallel and keyed by queue name; a failure is classified.
 */
export async function approximateDepths(
  clients: readonly QueueClient[],
): Promise<Record<string, number>> {
  const counts = await Promise.all(
    clients.map(async (client) => {
      try {
        return (await client.getProperties()).approximateMessagesCount ?? 0;
      } catch (error) {
        throw classifyAzureError(error, `properties of ${client.name}`);
      }
    }),
  );
  return Object.fromEntries(clients.map((client, i) => [client.name, counts[i] as number]));
}

/**
 * Reads the depths of a fixed set of queues of one account, for a process that neither sends
 * to nor consumes them (the receiver's healthz). Each call is one request per queue.
 */
export class AzureQueueDepths {
  private readonly clients: QueueClient[];

  constructor(
    connection: Omit<AzureQueueConnection, 'queue' | 'encoding'>,
    queues: readonly string[],
  ) {
    this.clients = queues.map((queue) => queueClient({ ...connection, queue }));
  }

  /** Each queue's approximate message count. */
  depths(): Promise<Record<string, number>> {
    return approximateDepths(this.clients);
  }
}
