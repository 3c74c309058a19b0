import { connect } from 'amqplib';
import type { InterfaceSimulatorStats } from '@linebacker/simulators';
import { namespaceQueueDepths, type ProcessStack } from '@linebacker/testing';
import { pollUntil } from './traffic';

/** The interface simulator's counters, as its `/stats` serves them. */
export type InterfaceStats = InterfaceSimulatorStats;

/** Reads the interface simulator's `/stats`. */
export async function interfaceStats(interfaceUrl: string): Promise<InterfaceStats> {
  return (await (await fetch(`${interfaceUrl}/stats`)).json()) as InterfaceStats;
}

/**
 * Every queue of the namespace with its depth once all are empty, or as they are after
 * `timeoutMs` (quorum queue counts lag their acks by a moment, so one look is not enough).
 */
export async function settledQueueDepths(
  namespace: string,
  timeoutMs = 15_000,
): Promise<Record<string, number>> {
  let depths: Record<string, number> = {};
  await pollUntil(
    async () => {
      depths = await namespaceQueueDepths(namespace);
      return Object.values(depths).every((n) => n === 0);
    },
    timeoutMs,
    1000,
  );
  return depths;
}

/** The queues of `depths` that still hold messages. */
export function nonEmpty(depths: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(depths).filter(([, n]) => n !== 0));
}

/** Drops every message of one queue: the test's stand-in for a broker that lost them. */
export async function purgeQueue(amqpUrl: string, queue: string): Promise<number> {
  const connection = await connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    return (await channel.purgeQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

/** The request ids the notifier instances logged an end state for. */
export function notifiedRequestIds(stack: ProcessStack): Set<string> {
  return new Set(
    stack
      .linesOf('notifier', (line) => line['message'] === 'backup request ended')
      .map((line) => String(line['requestId'])),
  );
}
