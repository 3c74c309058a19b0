import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const rabbitmqctl = async (...args: string[]): Promise<string> =>
  (await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 })).stdout;

/**
 * Sets a RabbitMQ policy on the queues of one namespace whose names (after `<namespace>.`)
 * match `pattern`, waits until the broker lists it on `queue`, and returns what clears it.
 * A test uses it to give a queue a setting it cannot get by argument, such as the delivery
 * limit RabbitMQ 4.x applies by default. Needs rabbitmqctl (the local broker).
 */
export async function applyQueuePolicy(
  namespace: string,
  pattern: string,
  definition: Record<string, unknown>,
  queue: string,
): Promise<() => Promise<void>> {
  const name = `${namespace}-test-policy`;
  const regex = `^${namespace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.${pattern}`;
  await rabbitmqctl('set_policy', name, regex, JSON.stringify(definition), '--apply-to', 'queues');
  const clear = async () => void (await rabbitmqctl('clear_policy', name));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const listed = await rabbitmqctl('list_queues', 'name', 'policy', '--no-table-headers');
    if (
      listed.split('\n').some((line) => line.trim().split(/\s+/).join(' ') === `${queue} ${name}`)
    )
      return clear;
    if (Date.now() > deadline) {
      await clear();
      throw new Error(`policy ${name} was not applied to ${queue}`);
    }
    await sleep(100);
  }
}
