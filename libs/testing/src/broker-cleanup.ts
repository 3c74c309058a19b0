import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from 'amqplib';

const run = promisify(execFile);

type Listing = 'list_queues' | 'list_exchanges' | 'list_vhosts' | 'list_users';

async function listNames(kind: Listing): Promise<string[]> {
  // list_users has no column arguments; the name is the first column of every listing.
  const columns = kind === 'list_users' ? [] : ['name'];
  const { stdout } = await run('rabbitmqctl', [kind, ...columns, '--quiet', '--no-table-headers'], {
    timeout: 60_000,
  });
  return stdout
    .split('\n')
    .map((line) => line.split('\t')[0]?.trim() ?? '')
    .filter(Boolean);
}

/**
 * Messages (ready plus unacked) in every queue whose name starts with `<namespace>.`, in the
 * default vhost or in `vhost`.
 */
export async function namespaceQueueDepths(
  namespace: string,
  vhost = '/',
): Promise<Record<string, number>> {
  const { stdout } = await run(
    'rabbitmqctl',
    ['list_queues', '-p', vhost, 'name', 'messages', '--quiet', '--no-table-headers'],
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
 * The names of every queue and exchange in the default vhost, from one `rabbitmqctl eval`:
 * each `rabbitmqctl` run starts an Erlang VM (about 0.9 s of CPU here), and a suite's
 * clean-up listed queues and exchanges with one run each. Falls back to the two listings
 * where the broker's internals answer differently (another major version).
 */
async function queueAndExchangeNames(): Promise<{ queues: string[]; exchanges: string[] }> {
  const program = [
    'P = fun(Kind, Names) -> [io:format("~s\t~s~n", [Kind, N]) || {resource, <<"/">>, _, N} <- Names] end',
    'P("queue", rabbit_amqqueue:list_names())',
    'P("exchange", rabbit_exchange:list_names())',
    'ok.',
  ].join(', ');
  try {
    const { stdout } = await run('rabbitmqctl', ['eval', program, '--quiet'], { timeout: 60_000 });
    const names = { queues: [] as string[], exchanges: [] as string[] };
    for (const line of stdout.split('\n')) {
      const [kind, name] = line.split('\t');
      if (kind === 'queue' && name) names.queues.push(name);
      if (kind === 'exchange' && name) names.exchanges.push(name);
    }
    if (names.exchanges.length > 0) return names; // the default vhost always has amq.*
  } catch {
    // Not the internals this expects: list the usual way.
  }
  const [queues, exchanges] = await Promise.all([
    listNames('list_queues'),
    listNames('list_exchanges'),
  ]);
  return { queues, exchanges };
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
    ({ queues, exchanges } = await queueAndExchangeNames());
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

/**
 * Deletes vhosts (with everything in them) and users on the local broker; names that do
 * not exist are skipped, so a cleanup after a half-done set-up never fails on them.
 */
export async function deleteBrokerVhostsAndUsers(
  vhosts: readonly string[],
  users: readonly string[],
): Promise<void> {
  const existing = async (kind: 'list_vhosts' | 'list_users') => new Set(await listNames(kind));
  const [knownVhosts, knownUsers] = [await existing('list_vhosts'), await existing('list_users')];
  for (const vhost of vhosts.filter((v) => knownVhosts.has(v)))
    await run('rabbitmqctl', ['delete_vhost', vhost, '--quiet'], { timeout: 60_000 });
  for (const user of users.filter((u) => knownUsers.has(u)))
    await run('rabbitmqctl', ['delete_user', user, '--quiet'], { timeout: 60_000 });
}
