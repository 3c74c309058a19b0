import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rabbitmqForTests, testNamespace, type TestService } from '@linebacker/testing';

const run = promisify(execFile);

/**
 * A raw amqplib connection for test set-up, inspection and clean-up of one namespace. It
 * reconnects lazily, because the tests close every connection on the broker on purpose.
 */
export class AmqpTestBroker {
  readonly namespace: string;
  private connection: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;

  private constructor(
    readonly url: string,
    private readonly service: TestService,
    prefix: string,
  ) {
    this.namespace = testNamespace(prefix);
  }

  /** Connects to the test RabbitMQ (see `rabbitmqForTests`). */
  static async open(prefix: string): Promise<AmqpTestBroker> {
    const service = await rabbitmqForTests();
    const broker = new AmqpTestBroker(service.url, service, prefix);
    await broker.admin();
    return broker;
  }

  /** Puts raw bytes into a queue (confirmed), bypassing every check of the bus. */
  async inject(queue: string, body: Buffer, headers: Record<string, unknown> = {}): Promise<void> {
    const channel = await this.admin();
    channel.sendToQueue(queue, body, { persistent: true, headers });
    await channel.waitForConfirms();
  }

  /** Ready messages in a queue. */
  async depth(queue: string): Promise<number> {
    return (await (await this.admin()).checkQueue(queue)).messageCount;
  }

  /** Takes (and acks) every ready message of a queue. */
  async drain(queue: string): Promise<Array<{ body: string; headers: Record<string, unknown> }>> {
    const channel = await this.admin();
    const taken: Array<{ body: string; headers: Record<string, unknown> }> = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (!message) return taken;
      taken.push({ body: message.content.toString(), headers: message.properties.headers ?? {} });
    }
  }

  /** Deletes queues and exchanges (missing ones are fine). */
  async deleteAll(queues: readonly string[], exchanges: readonly string[]): Promise<void> {
    const channel = await this.admin();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
  }

  /** Closes the admin connection. */
  async close(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
    await this.service.stop();
  }

  private async admin(): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    const connection = await connect(this.url);
    connection.on('error', () => undefined);
    connection.on('close', () => {
      this.connection = null;
      this.channel = null;
    });
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (this.channel === channel) this.channel = null;
    });
    this.connection = connection;
    this.channel = channel;
    return channel;
  }
}

/** Runs rabbitmqctl (the tests run as root on the broker's machine). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

/**
 * Consumers per queue of a namespace, from `rabbitmqctl list_consumers` (immediate; the
 * `consumers` column of list_queues lags by a stats interval on quorum queues).
 */
export async function consumersByQueue(namespace: string): Promise<Record<string, number>> {
  const out = await rabbitmqctl('list_consumers', 'queue_name');
  const result: Record<string, number> = {};
  for (const line of out.split('\n').slice(1)) {
    const name = line.trim();
    if (name.startsWith(`${namespace}.`)) result[name] = (result[name] ?? 0) + 1;
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
