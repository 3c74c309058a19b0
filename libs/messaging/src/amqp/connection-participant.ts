import type { ChannelModel } from 'amqplib';

/** Opens one AMQP connection (amqplib's `connect`; replaced by a fake in unit tests). */
export type AmqpConnect = (
  url: string,
  socketOptions: Record<string, unknown>,
) => Promise<ChannelModel>;

/** Something that lives on the connection and must be rebuilt on every reconnect. */
export interface ConnectionParticipant {
  /** Rebuilds channels, topology or consumers; a throw fails this connection (reconnect). */
  onConnect(connection: ChannelModel, generation: number): Promise<void>;
  /** The connection of `generation` is gone: forget every channel and delivery tied to it. */
  onDisconnect(generation: number, reason: string): void;
  /** Graceful stop, before the connection closes (e.g. close channels so acks land first). */
  onStop?(): Promise<void>;
}
