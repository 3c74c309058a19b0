import { Socket } from 'node:net';
import type { ChannelModel } from 'amqplib';

/** The part of a socket that coalescing needs (a `net.Socket`, or a fake in tests). */
export interface CorkableSocket {
  write: Socket['write'];
  cork(): void;
  uncork(): void;
}

/**
 * The TCP (or TLS) socket under an amqplib connection, or undefined when amqplib no longer
 * keeps it where 2.x does (`ChannelModel.connection.stream`); an integration test pins that.
 */
export function socketOf(model: ChannelModel): Socket | undefined {
  const stream = (model as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  return stream instanceof Socket ? stream : undefined;
}

/**
 * Makes the writes of one turn of the event loop leave the socket together: the first write
 * of a turn corks the socket and the uncork follows on the next tick, so Node sends whatever
 * the turn wrote in one `writev`, one TCP segment with `noDelay`, instead of one system call
 * and one segment per write. amqplib's muxer writes each queued frame (a publish, an ack, a
 * heartbeat) with its own `write`, and the broker then reads and handles each segment on its
 * own (ADR 0113). Bytes keep their order; nothing waits for a timer; `end()` flushes a corked
 * socket itself, and backpressure still reaches the writer through `write`'s return value
 * and `drain`. Returns false, leaving the socket as it was, when there is none to wrap.
 */
export function coalesceTurnWrites(socket: CorkableSocket | undefined): boolean {
  if (socket === undefined) return false;
  const write = socket.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = function coalescedWrite(...args: unknown[]): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return (write as (...a: unknown[]) => boolean).apply(socket, args);
  } as Socket['write'];
  return true;
}
