import { setTimeout as sleep } from 'node:timers/promises';
import { connect as amqpConnect, type ChannelModel } from 'amqplib';
import type { AmqpConnect, ConnectionParticipant } from './connection-participant';
import { UnavailableError, describeError } from '@linebacker/domain';
import type { MessageBusObserver } from '../port/message-bus.port';
import { backoffDelay, settlesWithin, StopBudget } from '@linebacker/runtime';
import {
  resolveConnectionOptions,
  socketOptions,
  connectionUrl,
  type ConnectionOptions,
  type ResolvedConnectionOptions,
} from './connection-options';
import { classifyBrokerError, isIrrecoverable } from './reply-codes';
import { NodeRotation, nodeLabel } from './cluster-nodes';
import { coalesceTurnWrites, socketOf } from './turn-writes';

export type { AmqpConnect, ConnectionParticipant } from './connection-participant';

const noop = (): void => undefined;

/**
 * Owns one AMQP connection: opens it (bounded attempts at start-up), notices its loss by
 * `close`, `error` and missed heartbeats, reconnects with capped, jittered backoff forever,
 * and replays every participant's set-up in registration order after each connect. Each
 * connection has a generation number so participants can tell stale deliveries apart.
 * Given a cluster's node list, each attempt is a round over the nodes (see NodeRotation):
 * a lost connection moves on to the next node at once, and only a round in which every
 * node failed waits for the backoff. Each connection's socket sends what one turn of the
 * event loop wrote in one write (see coalesceTurnWrites).
 */
export class ConnectionSupervisor {
  private readonly options: ResolvedConnectionOptions;
  private readonly nodes: NodeRotation;
  private node: string | null = null;
  private readonly participants: ConnectionParticipant[] = [];
  private connection: ChannelModel | null = null;
  private generation = 0;
  private liveGeneration = 0;
  private blocked = false;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private reconnects = 0;
  private starting: Promise<void> | null = null;

  constructor(
    options: ConnectionOptions,
    private readonly observer: MessageBusObserver = {},
    private readonly connect: AmqpConnect = amqpConnect as unknown as AmqpConnect,
  ) {
    this.options = resolveConnectionOptions(options);
    this.nodes = new NodeRotation(this.options.urls, this.options.nodeOrder);
  }

  /** Registers a participant; when already connected its set-up runs now (errors propagate). */
  async add(participant: ConnectionParticipant): Promise<void> {
    this.participants.push(participant);
    const connection = this.connection;
    if (!connection || this.liveGeneration === 0) return;
    try {
      await participant.onConnect(connection, this.liveGeneration);
    } catch (error) {
      this.participants.splice(this.participants.indexOf(participant), 1);
      throw classifyBrokerError(error, 'set-up on the current connection failed');
    }
  }

  /** Connects, retrying up to `startupMaxAttempts`; a misconfiguration fails at once. Idempotent. */
  start(): Promise<void> {
    // A failed start may be tried again; a running or succeeded one is shared.
    this.starting ??= this.firstConnect().catch((error: unknown) => {
      this.starting = null;
      throw error;
    });
    return this.starting;
  }

  private async firstConnect(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.options.startupMaxAttempts; attempt++) {
      if (this.stopped) break;
      try {
        await this.connectRound(`connect attempt ${attempt}`);
        return;
      } catch (error) {
        lastError = error;
        if (isIrrecoverable(error)) throw classifyBrokerError(error, 'cannot start');
        if (attempt < this.options.startupMaxAttempts) await sleep(this.delay(attempt));
      }
    }
    const where = this.nodes.size > 1 ? ` on each of ${this.nodes.size} nodes` : '';
    throw new UnavailableError(
      'BrokerUnavailable',
      `no broker connection after ${this.options.startupMaxAttempts} attempts${where}: ${describeError(lastError)}`,
      { cause: lastError },
    );
  }

  /**
   * Tries every node once, in rotation order, until one connects and every participant is
   * set up there; reports each failed node and rethrows the last failure. An irrecoverable
   * one (a wrong password, an inequivalent queue) is rethrown at once: every node of a
   * cluster shares users and topology, so the next node would refuse the same way.
   */
  private async connectRound(context: string): Promise<void> {
    let lastError: unknown;
    for (const url of this.nodes.round()) {
      try {
        await this.connectOnce(url);
        return;
      } catch (error) {
        if (isIrrecoverable(error)) throw error;
        lastError = error;
        this.observer.onError?.(`${context} to ${nodeLabel(url)}`, error);
      }
      if (this.stopped) break;
    }
    throw lastError;
  }

  /** Connected, every participant set up, and the broker not blocking publishers. */
  isReady(): boolean {
    return this.liveGeneration !== 0 && !this.blocked && !this.stopped;
  }

  /** True while the broker blocks publishing (a memory or disk alarm). */
  isBlocked(): boolean {
    return this.blocked;
  }

  /** The live connection and its generation, or null while disconnected. */
  current(): { connection: ChannelModel; generation: number } | null {
    if (!this.connection || this.liveGeneration === 0) return null;
    return { connection: this.connection, generation: this.liveGeneration };
  }

  /** `host:port` of the node the live connection goes to, or null while disconnected. */
  currentNode(): string | null {
    return this.liveGeneration === 0 ? null : this.node;
  }

  /** Successful reconnects since start (not counting the first connect). */
  reconnectCount(): number {
    return this.reconnects;
  }

  /**
   * Closes the live connection so everything is rebuilt: used when a channel we depend on
   * dies while the connection lives. One recovery path is simpler to trust than two.
   */
  recycle(reason: string): void {
    const connection = this.connection;
    // Deferred: when the whole connection dies, amqplib closes its channels first and the
    // connection right after; by the next turn `lost` has run and there is nothing to do.
    setImmediate(() => {
      if (this.stopped || connection === null || this.connection !== connection) return;
      this.observer.onError?.('recycling the connection', new Error(reason));
      connection.close().catch(noop);
    });
  }

  /**
   * Stops reconnecting and closes the connection (the broker requeues anything unacked),
   * within `deadlineMs`: a node that stops answering (paused, partitioned) never confirms a
   * channel's or the connection's close, so each wait gets what is left of the deadline.
   */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const budget = new StopBudget(deadlineMs);
    // RabbitMQ drops acks still queued in a channel when the whole connection closes at
    // once (measured: an ack written just before connection.close was lost, on classic and
    // quorum queues). Closing channels first waits for close-ok, after which acks are applied.
    for (const participant of [...this.participants].reverse())
      await settlesWithin(participant.onStop?.() ?? Promise.resolve(), budget.left());
    const connection = this.connection;
    this.connection = null;
    if (connection) await settlesWithin(connection.close(), budget.left());
    this.lost(this.liveGeneration, new Error('stopped'));
  }

  private async connectOnce(url: string): Promise<void> {
    const generation = ++this.generation;
    const connection = await this.connect(
      connectionUrl({ ...this.options, url }),
      socketOptions(this.options),
    );
    coalesceTurnWrites(socketOf(connection));
    const watched = this.watch(connection, generation);
    this.connection = connection;
    try {
      for (const participant of [...this.participants])
        await participant.onConnect(connection, generation);
      // A close during set-up is ignored by `lost` (not live yet), so check for it here.
      if (watched.closed) throw new Error('connection closed during set-up');
    } catch (error) {
      this.connection = null;
      this.participants.forEach((p) => p.onDisconnect(generation, describeError(error)));
      await connection.close().catch(noop);
      throw error;
    }
    if (this.stopped) return void (await connection.close().catch(noop));
    this.liveGeneration = generation;
    this.blocked = false;
    this.nodes.connectedTo(url);
    this.node = nodeLabel(url);
    this.observer.onConnectionChange?.('connected', undefined, this.node);
  }

  private watch(connection: ChannelModel, generation: number): { closed: boolean } {
    const watched = { closed: false };
    let lastError: unknown;
    // amqplib emits 'error' (heartbeat timeout, protocol error) and then 'close'; a
    // broker-initiated close carries its reason on 'close' alone.
    connection.on('error', (error: unknown) => (lastError = error));
    connection.on('close', (error?: unknown) => {
      watched.closed = true;
      this.lost(generation, error ?? lastError);
    });
    connection.on('blocked', () => (this.blocked = true));
    connection.on('unblocked', () => (this.blocked = false));
    connection.on('handler-error', (error: unknown) =>
      this.observer.onError?.('connection event handler', error),
    );
    return watched;
  }

  private lost(generation: number, error: unknown): void {
    if (generation === 0 || generation !== this.liveGeneration) return;
    this.liveGeneration = 0;
    this.connection = null;
    const reason = error === undefined ? 'connection closed' : describeError(error);
    this.participants.forEach((p) => p.onDisconnect(generation, reason));
    this.observer.onConnectionChange?.('disconnected', reason, this.node ?? undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    this.attempt += 1;
    this.timer = setTimeout(() => void this.reconnect(), this.delay(this.attempt));
  }

  private async reconnect(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    try {
      await this.connectRound(`reconnect attempt ${this.attempt}`);
      this.attempt = 0;
      this.reconnects += 1;
    } catch (error) {
      // connectRound reported every other failure, node by node.
      if (isIrrecoverable(error))
        this.observer.onError?.(`reconnect attempt ${this.attempt}`, error);
      this.scheduleReconnect();
    }
  }

  private delay(attempt: number): number {
    return backoffDelay(attempt, {
      initialDelayMs: this.options.reconnectInitialDelayMs,
      maxDelayMs: this.options.reconnectMaxDelayMs,
    });
  }
}
