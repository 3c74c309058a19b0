import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { Client } from 'pg';
import { InterfaceSimulator } from '@linebacker/simulators';
import { connectAny } from './connect-any';
import type { Random } from './prng';

/**
 * Publishes copies of status replies on the interface's reply queue, as a backup interface
 * that answers twice, or very late, would: the same reply (the simulator's own, rebuilt from
 * the request) under the same message id. Half go out at once, half `lateMs` later.
 */
export class ReplyCopier {
  private connection: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;
  private readonly shaper: InterfaceSimulator;
  private readonly late = new Set<Promise<void>>();
  published = 0;

  constructor(
    /** One URL, or a cluster's comma-separated list (the first node that answers). */
    private readonly amqpUrl: string,
    private readonly replyQueue: string,
    private readonly databaseUrl: string,
    failedShare: number,
    private readonly random: Random,
  ) {
    this.shaper = new InterfaceSimulator({ replyDelayMs: 0, failedShare }, async () => undefined);
  }

  private async open(): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    this.connection = await connectAny(this.amqpUrl);
    this.connection.on('error', () => undefined);
    this.connection.on('close', () => {
      this.connection = undefined;
      this.channel = undefined;
    });
    this.channel = await this.connection.createConfirmChannel();
    this.channel.on('error', () => undefined);
    return this.channel;
  }

  /** Copies the replies of up to `count` requests already Sent or ended by a reply. */
  async inject(count: number, lateMs: number): Promise<string> {
    // A client per call: the nemesis restarts the database between calls.
    const db = new Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 3000 });
    db.on('error', () => undefined);
    await db.connect();
    let rows: { id: string; storage: string; date: string }[];
    try {
      ({ rows } = await db.query<{ id: string; storage: string; date: string }>(
        `SELECT backup_request_id AS id, storage_path_name AS storage, data_date::text AS date
           FROM backup_request WHERE status_type_code IN ('Sent', 'Succeeded', 'Failed')
          ORDER BY random() LIMIT 500`,
      ));
    } finally {
      await db.end().catch(() => undefined);
    }
    rows.sort((a, b) => a.id.localeCompare(b.id));
    const chosen = Array.from({ length: Math.min(count, rows.length) }, () =>
      this.random.pick(rows),
    );
    const [now, later] = [
      chosen.filter((_, i) => i % 2 === 0),
      chosen.filter((_, i) => i % 2 === 1),
    ];
    await this.publish(now);
    const delayed = sleep(lateMs)
      .then(() => this.publish(later))
      .catch(() => undefined)
      .finally(() => this.late.delete(delayed));
    this.late.add(delayed);
    return `${now.length} duplicate, ${later.length} late`;
  }

  private async publish(
    rows: readonly { id: string; storage: string; date: string }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const channel = await this.open();
    for (const row of rows) {
      const reply = this.shaper.replyFor({
        backupRequestId: row.id,
        backupJobId: '',
        dataDate: row.date,
        preparedDataPathName: '',
        storagePathName: row.storage,
        backupProviderCode: 'Local',
      });
      channel.sendToQueue(this.replyQueue, Buffer.from(JSON.stringify(reply)), {
        messageId: `${row.id}:reply`,
        persistent: true,
        contentType: 'application/json',
      });
    }
    await channel.waitForConfirms();
    this.published += rows.length;
  }

  /** Waits for late copies still to go out, then closes. */
  async close(): Promise<void> {
    await Promise.all([...this.late]);
    await this.connection?.close().catch(() => undefined);
  }
}
