import { randomUUID } from 'node:crypto';
import { Agent, get } from 'node:http';
import { connect, type Channel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import Fastify from 'fastify';
import { Pool } from 'pg';
import { leanNames, type LeanRole } from './lean-topology';

/*
 * The lean hand-written pipeline the benchmark compares linebacker with: the same stages and
 * the same durability (persistent messages, publisher confirms, quorum queues, synchronous
 * commit), written directly on amqplib, pg and fastify with nothing else: no outbox, no status
 * history, no retry topology, no per-message logging. Each stage: consume → one conditional
 * UPDATE → confirmed publish of the next event → ack.
 */

const env = (key: string): string => {
  const value = process.env[key];
  if (value === undefined || value === '') throw new Error(`${key} is required`);
  return value;
};

const line = (fields: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
};

type Json = Record<string, unknown>;

interface Stage {
  queue: string;
  handle(message: Json, messageId: string): Promise<void>;
}

const CHECK_SQL = `UPDATE lean_request SET status = $2, provider = $3, storage_path = $4,
    status_at = clock_timestamp() WHERE id = $1 AND status = 'Received' RETURNING id`;
const SEND_SQL = `UPDATE lean_request SET status = 'Sent', status_at = clock_timestamp()
    WHERE id = $1 AND status = 'Allowed'
    RETURNING job_id, to_char(data_date, 'YYYY-MM-DD') AS data_date, location, provider, storage_path`;
const STATUS_SQL = `WITH updated AS (
      UPDATE lean_request SET status = $2, status_at = clock_timestamp()
       WHERE id = $1 AND status = 'Sent' RETURNING id),
    backup AS (
      INSERT INTO lean_backup (id, request_id, byte_count)
      SELECT gen_random_uuid(), id, $3 FROM updated WHERE $2 = 'Succeeded' RETURNING 1)
    SELECT count(*)::int AS n FROM updated`;
const INSERT_SQL = `INSERT INTO lean_request (id, job_id, data_date, location, status, received_at, status_at)
    VALUES ($1, $2, $3, $4, 'Received', clock_timestamp(), clock_timestamp())`;

// node:http with keep-alive, like linebacker's job service client (fetch costs far more CPU).
const jobAgent = new Agent({ keepAlive: true, maxSockets: 64 });

function fetchJob(base: string, jobId: string): Promise<Json | undefined> {
  return new Promise((resolve, reject) => {
    const url = `${base}/backup-jobs/${encodeURIComponent(jobId)}`;
    get(url, { agent: jobAgent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        if (response.statusCode === 404) return resolve(undefined);
        if (response.statusCode !== 200)
          return reject(new Error(`job service answered ${String(response.statusCode)}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json);
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject);
  });
}

/** Runs one lean role until SIGTERM, then prints its counts and exits 0. */
export async function runLeanRole(role: LeanRole): Promise<void> {
  const names = leanNames(env('LEAN_NAMESPACE'));
  const prefetch = Number(env('LEAN_PREFETCH'));
  const pool = new Pool({
    connectionString: env('LEAN_DATABASE_URL'),
    max: Number(env('LEAN_POOL_SIZE')),
  });
  const connection = await connect(env('LEAN_AMQP_URL'), { noDelay: true });
  const publisher: ConfirmChannel = await connection.createConfirmChannel();
  let published = 0;
  const publish = (exchange: string, key: string, body: Json, messageId: string) =>
    new Promise<void>((resolve, reject) => {
      publisher.publish(
        exchange,
        key,
        Buffer.from(JSON.stringify(body)),
        { persistent: true, messageId, contentType: 'application/json' },
        (error) => {
          if (error) reject(error instanceof Error ? error : new Error(String(error)));
          else {
            published += 1;
            resolve();
          }
        },
      );
    });
  const event = (key: string, body: Json, id: string) =>
    publish(names.exchange, key, body, `${id}:${key}`);

  const stages: Record<Exclude<LeanRole, 'receiver'>, Stage> = {
    check: {
      queue: names.check,
      handle: async ({ backupRequestId: id, backupJobId }) => {
        const job = await fetchJob(env('LEAN_JOB_SERVICE_URL'), String(backupJobId));
        const allowed = job?.['isActive'] === true;
        const { rowCount } = await pool.query(CHECK_SQL, [
          id,
          allowed ? 'Allowed' : 'NotAllowed',
          allowed ? job['backupProviderCode'] : null,
          allowed ? job['storagePathName'] : null,
        ]);
        if (rowCount === 1)
          await event(allowed ? 'allowed' : 'not-allowed', { backupRequestId: id }, String(id));
      },
    },
    send: {
      queue: names.send,
      handle: async ({ backupRequestId: id }) => {
        const { rows } = await pool.query<Record<string, string>>(SEND_SQL, [id]);
        const row = rows[0];
        if (!row) return;
        const request = {
          backupRequestId: id,
          backupJobId: row['job_id'],
          dataDate: row['data_date'],
          preparedDataPathName: row['location'],
          storagePathName: row['storage_path'],
          backupProviderCode: row['provider'],
        };
        await publish('', names.interfaceRequests, request, String(id));
      },
    },
    reply: {
      queue: names.interfaceReplies,
      handle: async (reply, messageId) => {
        await publish(names.exchange, 'store-status', reply, `${messageId}:store-status`);
      },
    },
    status: {
      queue: names.status,
      handle: async (reply) => {
        const id = String(reply['backupRequestId']);
        const result = reply['resultTypeCode'] === 'Succeeded' ? 'Succeeded' : 'Failed';
        const { rows } = await pool.query<{ n: number }>(STATUS_SQL, [
          id,
          result,
          reply['backupByteCount'] ?? null,
        ]);
        if (rows[0]?.n === 1) await event(result.toLowerCase(), { backupRequestId: id }, id);
      },
    },
    notify: { queue: names.notify, handle: async () => undefined },
  };

  let deliveries = 0;
  let failures = 0;
  let stop: () => Promise<void>;
  if (role === 'receiver') {
    const app = Fastify({ logger: false });
    const body = {
      type: 'object',
      additionalProperties: false,
      required: ['apiVersion', 'backupJobId', 'dataDate', 'backupDataLocation'],
      properties: {
        apiVersion: { const: '2022-05-22' },
        backupJobId: { type: 'string', minLength: 1, maxLength: 50 },
        dataDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
        backupDataLocation: { type: 'string', minLength: 1, maxLength: 250 },
      },
    };
    app.post('/api/backup-requests', { schema: { body } }, async (request, reply) => {
      const { backupJobId, dataDate, backupDataLocation } = request.body as Record<string, string>;
      const id = randomUUID();
      await pool.query(INSERT_SQL, [id, backupJobId, dataDate, backupDataLocation]);
      await event('received', { backupRequestId: id, backupJobId }, id);
      return reply.code(202).send({ backupRequestId: id });
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    line({ outcome: 'ready', role, address });
    stop = () => app.close();
  } else {
    const stage = stages[role];
    const consumer: Channel = await connection.createChannel();
    await consumer.prefetch(prefetch);
    const inFlight = new Set<Promise<void>>();
    const onMessage = (message: ConsumeMessage | null): void => {
      if (!message) return;
      const done = stage
        .handle(
          JSON.parse(message.content.toString('utf8')) as Json,
          String(message.properties.messageId),
        )
        .then(
          () => {
            deliveries += 1;
            consumer.ack(message);
          },
          (error: unknown) => {
            failures += 1;
            line({ outcome: 'failed', role, error: String(error) });
            consumer.nack(message, false, true);
          },
        )
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    };
    const { consumerTag } = await consumer.consume(stage.queue, onMessage);
    line({ outcome: 'ready', role });
    stop = async () => {
      await consumer.cancel(consumerTag);
      await Promise.all(inFlight);
    };
  }
  process.once('SIGTERM', () => {
    void (async () => {
      await stop();
      await connection.close();
      await pool.end();
      line({ outcome: 'stopped', role, deliveries, failures, published });
      process.exit(0);
    })();
  });
}
