import type { GetMessage } from 'amqplib';
import {
  parkedReplayHeaders,
  toParkedMessage,
  type ParkedMessage,
} from '../dead-letters/parked-message';
import { withoutBrokerCounters } from '../dead-letters/fresh-copy';
import { parkedQueueName } from '../topology/topology-names';
import { ConfirmPublisher } from './confirm-publisher';
import type { ConnectionOptions } from './connection-options';
import { ConnectionSupervisor, type AmqpConnect } from './connection-supervisor';
import { copiedProperties, inspectQueue, republishSelected, takeOldest } from './queue-inspection';
import type { DlqSession } from './dlq-session';

/** The consumed plain queue whose `<queue>.parked` is read, on its own connection. */
export interface AmqpParkedMessagesConfig extends ConnectionOptions {
  /** The consumed queue (the backup interface's reply queue). */
  queue: string;
  /**
   * The exchange its consumer parks and puts back through (routing key = the queue's name);
   * replays and fresh copies go the same way (default '', the default exchange).
   */
  exchange?: string;
}

/** What a replay did: the messages republished, and the ids asked for but not found. */
export interface ParkedReplay {
  replayed: ParkedMessage[];
  missing: string[];
}

/**
 * Operator tooling over `<queue>.parked`, read like a DLQ (ADR 0106): `list` holds what it
 * reads and hands it back; `replay` republishes the chosen messages to the queue with their
 * body and properties (`message_id` included), confirmed, and only then acks each.
 */
export class AmqpParkedMessages {
  private readonly supervisor: ConnectionSupervisor;
  private readonly publisher: ConfirmPublisher;

  constructor(
    private readonly config: AmqpParkedMessagesConfig,
    connect?: AmqpConnect,
  ) {
    this.supervisor = new ConnectionSupervisor(
      { connectionName: `linebacker-${parkedQueueName(config.queue)}`, ...config },
      undefined,
      connect,
    );
    this.publisher = new ConfirmPublisher({
      name: parkedQueueName(config.queue),
      isBlocked: () => this.supervisor.isBlocked(),
      onChannelLost: (reason) => this.supervisor.recycle(reason),
    });
    void this.supervisor.add(this.publisher);
  }

  /** Connects (bounded attempts). */
  start(): Promise<void> {
    return this.supervisor.start();
  }

  /** The oldest `limit` parked messages, all left in the queue. */
  list(limit: number): Promise<ParkedMessage[]> {
    return this.onParked(async (session) =>
      (await takeOldest(session, limit)).map((message) => view(message)),
    );
  }

  /**
   * Republishes the parked messages whose parked id or message id is in `ids` (or all of
   * them) to the queue. Ids matching nothing come back as `missing`.
   */
  async replay(select: { ids?: readonly string[]; all?: boolean }): Promise<ParkedReplay> {
    const ids = select.ids ?? [];
    const chosen = (m: ParkedMessage) =>
      select.all === true || ids.some((id) => id === m.parkedId || id === m.messageId);
    const { exchange = '', queue } = this.config;
    const replayed = await this.onParked(async (session) =>
      (
        await republishSelected(
          session,
          (message) => chosen(view(message)),
          (message) =>
            this.publisher.publish(exchange, queue, message.content, {
              ...copiedProperties(message.properties),
              headers: parkedReplayHeaders(message.properties.headers ?? {}),
            }),
        )
      ).map((message) => view(message)),
    );
    const found = (id: string) => replayed.some((m) => id === m.parkedId || id === m.messageId);
    return { replayed, missing: ids.filter((id) => !found(id)) };
  }

  /** Closes the connection. */
  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  private onParked<T>(work: (session: DlqSession) => Promise<T>): Promise<T> {
    return inspectQueue(
      this.supervisor.current()?.connection ?? null,
      this.publisher,
      {
        queue: parkedQueueName(this.config.queue),
        kind: 'parked queue',
        exchange: this.config.exchange,
        freshHeaders: (message) => withoutBrokerCounters(message.properties.headers ?? {}),
      },
      work,
    );
  }
}

function view(message: GetMessage): ParkedMessage {
  const { headers, messageId } = message.properties;
  return toParkedMessage(
    message.content,
    headers ?? {},
    typeof messageId === 'string' ? messageId : undefined,
  );
}
