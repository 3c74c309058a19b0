import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/** Startup-phase request codes (the int32 after the length, where a message type would be). */
const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Frontend messages after which PostgreSQL answers ReadyForQuery: an exchange may end there. */
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

const SYNC_MESSAGE = Uint8Array.from([SYNC, 0, 0, 0, 4]);
const ROLLBACK_MESSAGE = queryMessage('ROLLBACK');

function queryMessage(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message[0] = QUERY;
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/** Options of {@link PgliteSessionServer}. */
export interface PgliteSessionServerOptions {
  db: PGlite;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * A connection that holds the session inside a transaction (or between an extended-protocol
   * message and its Sync) and sends nothing for this long is closed and its work rolled back,
   * as PostgreSQL's `idle_in_transaction_session_timeout` would: everyone else waits on it.
   */
  idleInTransactionTimeoutMs?: number;
}

/**
 * Serves one PGlite database to many PostgreSQL wire-protocol clients.
 *
 * PGlite has a single backend session, so the clients' connections all share it. A pooler in
 * transaction mode shows how to make that safe, and this server does the same with one server
 * session: a connection takes the session with its first message and keeps it until an
 * exchange ends (a Sync or a simple Query) outside a transaction block. No other connection's
 * message reaches PGlite in between, so two transactions never interleave, and neither do the
 * Parse/Bind/Execute steps of two extended-protocol exchanges (which share the unnamed
 * statement and portal). What it cannot give is session state of one's own: named prepared
 * statements, session `SET`s and session advisory locks are shared by every connection, so
 * the embedded mode uses none of them (ADR 0205).
 */
export class PgliteSessionServer {
  private readonly server: Server;
  private readonly connections = new Set<SessionConnection>();
  private owner: SessionConnection | undefined;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: PgliteSessionServerOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listens; resolves to `host:port`. */
  async start(): Promise<string> {
    await this.options.db.waitReady;
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => resolve());
    });
    const address = this.server.address();
    if (address === null || typeof address !== 'object') throw new Error('no server address');
    return `${host}:${address.port}`;
  }

  /** Closes every connection (rolling back what they held) and stops listening. */
  async stop(): Promise<void> {
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of [...this.connections]) await connection.close();
    await closing;
  }

  /** Connections open now (for tests and health output). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Connections waiting for the session another one holds (for tests). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const connection = new SessionConnection(socket, this, this.options);
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
  }

  /** Waits until `connection` owns the session. */
  async acquire(connection: SessionConnection): Promise<void> {
    if (this.owner === connection) return;
    while (this.owner !== undefined) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.owner = connection;
  }

  /** Hands the session to the next waiting connection. */
  release(connection: SessionConnection): void {
    if (this.owner !== connection) return;
    this.owner = undefined;
    this.waiting.shift()?.();
  }

  /** Runs frontend messages on PGlite; resolves to the backend's whole answer. */
  async execute(messages: Uint8Array): Promise<Buffer> {
    const { db } = this.options;
    const answer: Buffer[] = [];
    await db.runExclusive(() =>
      db.execProtocolRawStream(messages, {
        // The view points into PGlite's memory, which the next call reuses: copy it.
        onRawData: (data) => void answer.push(Buffer.from(data)),
      }),
    );
    return answer.length === 1 ? answer[0] : Buffer.concat(answer);
  }

  /** Whether the session is inside a transaction block (open or failed). */
  inTransaction(): boolean {
    return this.options.db.isInTransaction();
  }
}

/** One client connection: its byte stream cut into messages, run one at a time. */
class SessionConnection {
  private buffer: Buffer = Buffer.alloc(0);
  /** The startup packet has been cut off: from here on every message starts with its type. */
  private startupSeen = false;
  private closed = false;
  /** The session is ours and an exchange or a transaction is still open. */
  private holding = false;
  private work: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly server: PgliteSessionServer,
    private readonly options: PgliteSessionServerOptions,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => void this.close());
  }

  /**
   * Cuts the bytes received into messages and queues them: the startup packet alone, then
   * runs of messages that end with an exchange (Sync or Query) or with the bytes at hand.
   * PGlite takes a run in one call, which costs a third of one call per message.
   */
  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let run: Buffer[] = [];
    for (let message = this.nextMessage(); message; message = this.nextMessage()) {
      if (!this.startupSeen) {
        this.startupSeen = message.length >= 8 && message.readInt32BE(4) === PROTOCOL_3;
        this.enqueue(() => this.handleStartup(message));
        continue;
      }
      run.push(message);
      if (message[0] === SYNC || message[0] === QUERY || message[0] === TERMINATE) {
        const messages = run;
        this.enqueue(() => this.handleRun(messages));
        run = [];
      }
    }
    if (run.length > 0) this.enqueue(() => this.handleRun(run));
  }

  /** One chain per connection keeps its messages in order; the session lock orders the rest. */
  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch(() => void this.socket.destroy());
  }

  /** Cuts one whole message off the buffer, or returns undefined until more bytes arrive. */
  private nextMessage(): Buffer | undefined {
    const headerLength = this.startupSeen ? 5 : 4;
    if (this.buffer.length < headerLength) return undefined;
    const length = this.startupSeen ? 1 + this.buffer.readInt32BE(1) : this.buffer.readInt32BE(0);
    if (this.buffer.length < length) return undefined;
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return message;
  }

  private async handleRun(messages: Buffer[]): Promise<void> {
    if (this.closed) return;
    const last = messages[messages.length - 1]?.[0];
    if (last === TERMINATE) {
      this.socket.end();
      return;
    }
    this.clearIdleTimer();
    await this.server.acquire(this);
    if (this.closed) return this.server.release(this);
    this.holding = true;
    this.write(await this.server.execute(Buffer.concat(messages)));
    const endsExchange = last === SYNC || last === QUERY;
    if (endsExchange && !this.server.inTransaction()) {
      this.holding = false;
      this.server.release(this);
    } else {
      this.armIdleTimer();
    }
  }

  private async handleStartup(message: Buffer): Promise<void> {
    const code = message.length >= 8 ? message.readInt32BE(4) : 0;
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.socket.write('N');
      return;
    }
    if (code !== PROTOCOL_3) {
      // A CancelRequest (unsupported: PGlite runs each message to completion) or garbage.
      this.socket.destroy();
      return;
    }
    await this.server.acquire(this);
    try {
      this.write(await this.server.execute(message));
    } finally {
      this.server.release(this);
    }
  }

  private write(answer: Buffer): void {
    if (answer.length > 0 && !this.closed && this.socket.writable) this.socket.write(answer);
  }

  private armIdleTimer(): void {
    const timeoutMs = this.options.idleInTransactionTimeoutMs ?? 30_000;
    this.idleTimer = setTimeout(() => this.socket.destroy(), timeoutMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /**
   * Ends the connection. If it held the session mid-exchange or mid-transaction, the session
   * is reset first (Sync ends an unfinished exchange, ROLLBACK an open transaction), as a
   * server ends a dying backend's work, so the next connection starts clean.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearIdleTimer();
    this.socket.destroy();
    await this.work.catch(() => undefined);
    if (!this.holding) return;
    this.holding = false;
    try {
      await this.server.execute(SYNC_MESSAGE);
      if (this.server.inTransaction()) await this.server.execute(ROLLBACK_MESSAGE);
    } finally {
      this.server.release(this);
    }
  }
}
