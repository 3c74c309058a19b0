import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rabbitmqForTests, testNamespace, type TestService } from '@linebacker/testing';

const run = promisify(execFile);

/** A raw amqplib connection for test set-up, inspection and clean-up of one namespace. */
export class AmqpTestBroker {
  readonly namespace: string;
  private constructor(
    readonly url: string,
    private readonly service: TestService,
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
    prefix: string,
  ) {
    this.namespace = testNamespace(prefix);
  }

  /** Connects to the test RabbitMQ (see `rabbitmqForTests`). */
  static async open(prefix: string): Promise<AmqpTestBroker> {
    const service = await rabbitmqForTests();
    const connection = await connect(service.url);
    connection.on('error', () => undefined);
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    return new AmqpTestBroker(service.url, service, connection, channel, prefix);
  }

  /** Puts raw bytes into a queue (confirmed), bypassing every check of the bus. */
  async inject(queue: string, body: Buffer, headers: Record<string, unknown> = {}): Promise<void> {
    this.channel.sendToQueue(queue, body, { persistent: true, headers });
    await this.channel.waitForConfirms();
  }

  /** Ready messages in a queue. */
  async depth(queue: string): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  /** Deletes queues and exchanges (missing ones are fine). */
  async deleteAll(queues: readonly string[], exchanges: readonly string[]): Promise<void> {
    for (const queue of queues) await this.channel.deleteQueue(queue);
    for (const exchange of exchanges) await this.channel.deleteExchange(exchange);
  }

  /** Closes the admin connection. */
  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
    await this.service.stop();
  }
}

/** Runs rabbitmqctl (the tests run as root on the broker's machine). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

/** Consumers per queue, from `rabbitmqctl list_queues name consumers`. */
export async function consumersByQueue(namespace: string): Promise<Record<string, number>> {
  const out = await rabbitmqctl('list_queues', 'name', 'consumers');
  const result: Record<string, number> = {};
  for (const line of out.split('\n')) {
    const [name, consumers] = line.trim().split(/\s+/);
    if (name?.startsWith(`${namespace}.`)) result[name] = Number(consumers);
  }
  return result;
}

/** Queue and exchange names in a definitions export, for clean-up. */
export function namesIn(definitions: Record<string, unknown[]>): {
  queues: string[];
  exchanges: string[];
} {
  const names = (list: unknown[] | undefined) =>
    (list ?? []).map((x) => (x as { name: string }).name);
  return { queues: names(definitions['queues']), exchanges: names(definitions['exchanges']) };
}
