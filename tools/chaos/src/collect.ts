import type { Client } from 'pg';
import { readOutcomeRows, type ProcessStack } from '@linebacker/testing';
import type { DeadLetterSeen, SendWindow, StoredRequest } from './checker';
import { connectAny } from './connect-any';

/** Every stored request. */
export async function readStored(db: Client): Promise<StoredRequest[]> {
  const { rows } = await db.query<StoredRequest>(
    'SELECT backup_request_id, prepared_data_path_name, status_type_code FROM backup_request',
  );
  return rows;
}

/** Requests not yet terminal. */
export async function nonTerminalCount(db: Client): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM backup_request
      WHERE status_type_code NOT IN ('NotAllowed', 'Succeeded', 'Failed')`,
  );
  return rows[0]?.n ?? -1;
}

/** When the last request reached its terminal status. */
export async function lastTerminalAt(db: Client): Promise<number | null> {
  const { rows } = await db.query<{ at: Date | null }>(
    `SELECT max(status_timestamp) AS at FROM backup_request_status_history
      WHERE to_status_type_code IN ('NotAllowed', 'Succeeded', 'Failed')`,
  );
  return rows[0]?.at ? rows[0].at.getTime() : null;
}

/** Rows waiting in the outbox. */
export async function outboxCount(db: Client): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  return rows[0]?.n ?? -1;
}

/** Send windows (Allowed → the next move) of the given requests. */
export async function readSendWindows(db: Client, ids: readonly string[]): Promise<SendWindow[]> {
  const { rows } = await db.query<{ id: string; allowed_at: Date; closed_at: Date | null }>(
    `SELECT a.backup_request_id AS id, a.status_timestamp AS allowed_at,
            (SELECT min(n.status_timestamp) FROM backup_request_status_history n
              WHERE n.backup_request_id = a.backup_request_id
                AND n.from_status_type_code = 'Allowed') AS closed_at
       FROM backup_request_status_history a
      WHERE a.backup_request_id = ANY($1::uuid[]) AND a.to_status_type_code = 'Allowed'`,
    [ids],
  );
  return rows.map((r) => ({
    backup_request_id: r.id,
    allowedAt: r.allowed_at.getTime(),
    closedAt: r.closed_at ? r.closed_at.getTime() : null,
  }));
}

/** Outcome rows of every stored request. */
export async function readAllOutcomeRows(db: Client, stored: readonly StoredRequest[]) {
  return readOutcomeRows(
    db,
    stored.map((s) => s.backup_request_id),
  );
}

/** The request ids the notifier instances logged an end state for. */
export function notifiedRequestIds(stack: ProcessStack): Set<string> {
  return new Set(
    stack
      .linesOf('notifier', (line) => line['message'] === 'backup request ended')
      .map((line) => String(line['requestId'])),
  );
}

const headerText = (value: unknown): string | null =>
  value === undefined || value === null
    ? null
    : Buffer.isBuffer(value)
      ? value.toString()
      : String(value);

/** The request id a dead letter is about: an envelope's payload, or a raw interface reply. */
function requestIdOf(body: Buffer): string | null {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      payload?: { backupRequestId?: unknown };
      backupRequestId?: unknown;
    };
    const id = parsed.payload?.backupRequestId ?? parsed.backupRequestId;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/**
 * Reads every message of the given dead-letter queues without removing any: all are held
 * unacked on one channel, then handed back when it closes.
 */
export async function readDeadLetters(
  amqpUrl: string,
  queues: readonly string[],
): Promise<DeadLetterSeen[]> {
  if (queues.length === 0) return [];
  const connection = await connectAny(amqpUrl);
  const letters: DeadLetterSeen[] = [];
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) {
      for (;;) {
        const message = await channel.get(queue, { noAck: false });
        if (!message) break;
        const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
        const death = Array.isArray(headers['x-death'])
          ? (headers['x-death'][0] as { reason?: unknown })
          : undefined;
        letters.push({
          queue,
          requestId: requestIdOf(message.content),
          errorCode: headerText(headers['x-linebacker-error-code']) ?? headerText(death?.reason),
          reason: headerText(headers['x-linebacker-reason']),
        });
      }
    }
    await channel.close();
  } finally {
    await connection.close();
  }
  return letters;
}
