import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from 'amqplib';

const run = promisify(execFile);

async function listNames(kind: 'list_queues' | 'list_exchanges'): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', [kind, 'name', '--quiet', '--no-table-headers'], {
    timeout: 60_000,
  });
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Messages (ready plus unacked) in every queue whose name starts with `<namespace>.`. */
export async function namespaceQueueDepths(namespace: string): Promise<Record<string, number>> {
  const { stdout } = await run(
    'rabbitmqctl',
    ['list_queues', 'name', 'messages', '--quiet', '--no-table-headers'],
    { timeout: 60_000 },
  );
  const depths: Record<string, number> = {};
  for (const line of stdout.split('\n')) {
    const [name, messages] = line.trim().split(/\s+/);
    if (name?.startsWith(`${namespace}.`)) depths[name] = Number(messages);
  }
  return depths;
}

/**
 * Deletes every queue and exchange whose name starts with `<namespace>.` on the local broker.
 * Test stacks declare the whole pipeline topology, and quorum queues left behind cost the
 * broker memory and start-up time forever, so every suite that declares topology cleans up.
 * Needs `rabbitmqctl` (the local broker); elsewhere it does nothing.
 */
export async function deleteBrokerNamespace(amqpUrl: string, namespace: string): Promise<number> {
  let queues: string[];
  let exchanges: string[];
  try {
    [queues, exchanges] = await Promise.all([
      listNames('list_queues'),
      listNames('list_exchanges'),
    ]);
  } catch {
    return 0;
  }
  const prefix = `${namespace}.`;
  const connection = await connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    const doomedQueues = queues.filter((name) => name.startsWith(prefix));
    for (const queue of doomedQueues) await channel.deleteQueue(queue);
    for (const exchange of exchanges.filter((name) => name.startsWith(prefix))) {
      await channel.deleteExchange(exchange);
    }
    return doomedQueues.length;
  } finally {
    await connection.close();
  }
}
