import type { Channel, ChannelModel } from 'amqplib';
import type { SubscriptionDefinition } from '../port/message-bus.port';
import { buildTopology, type Topology, type TopologyOptions } from '../topology/topology';
import type { ConnectionParticipant } from './connection-supervisor';

/** Whether a declaration creates the exchanges or only checks that they exist. */
export interface DeclareOptions {
  /**
   * False: check each exchange with a passive declare, which needs no permission, instead of
   * declaring it, which needs configure on it, and configure would also allow deleting it
   * (default true).
   */
  declareExchanges?: boolean;
}

/** Declares a topology on a channel: exchanges, then queues with arguments, then bindings. */
export async function declareTopology(
  channel: Channel,
  topology: Topology,
  options: DeclareOptions = {},
): Promise<void> {
  for (const exchange of topology.exchanges)
    if (options.declareExchanges === false) await channel.checkExchange(exchange.name);
    else
      await channel.assertExchange(exchange.name, exchange.type, {
        durable: true,
        autoDelete: false,
      });
  for (const queue of topology.queues)
    await channel.assertQueue(queue.name, {
      durable: true,
      autoDelete: false,
      arguments: queue.arguments,
    });
  for (const binding of topology.bindings)
    await channel.bindQueue(binding.queue, binding.exchange, binding.routingKey);
}

/** Runs `work` on a fresh short-lived channel and closes it (always with an error listener). */
export async function withChannel<T>(
  connection: ChannelModel,
  work: (channel: Channel) => Promise<T>,
): Promise<T> {
  const channel = await connection.createChannel();
  // A channel error (404, 406) rejects the pending operation; without a listener the
  // 'error' event would also throw out of amqplib's frame handler.
  channel.on('error', () => undefined);
  try {
    return await work(channel);
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/**
 * The bus's topology, declared on every (re)connect before any publisher or consumer runs,
 * so a broker that lost non-replicated state or a deleted queue comes back as declared.
 * Declarations are idempotent; an inequivalent existing queue fails with 406.
 */
export class TopologyParticipant implements ConnectionParticipant {
  private readonly definitions = new Map<string, SubscriptionDefinition>();

  constructor(
    private readonly options: TopologyOptions,
    private readonly declareOptions: DeclareOptions = {},
  ) {}

  /** Adds subscriptions to the replayed set; returns what must be declared for them now. */
  add(definitions: readonly SubscriptionDefinition[]): Topology {
    for (const d of definitions) this.definitions.set(`${d.app}.${d.name}`, d);
    return buildTopology(definitions, this.options);
  }

  /** Every subscription known so far. */
  known(): SubscriptionDefinition[] {
    return [...this.definitions.values()];
  }

  /** Declares everything known on a new connection. */
  async onConnect(connection: ChannelModel): Promise<void> {
    const topology = buildTopology(this.known(), this.options);
    await withChannel(connection, (channel) =>
      declareTopology(channel, topology, this.declareOptions),
    );
  }

  /** Declares `topology` now on a live connection, as `onConnect` would. */
  declareNow(connection: ChannelModel, topology: Topology): Promise<void> {
    return withChannel(connection, (channel) =>
      declareTopology(channel, topology, this.declareOptions),
    );
  }

  /** Nothing to forget: the topology lives on the broker. */
  onDisconnect(): void {
    return undefined;
  }
}
