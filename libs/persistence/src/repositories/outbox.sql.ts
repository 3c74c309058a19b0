import type { OutboxMessage } from '@linebacker/domain';

/**
 * Messages travel as one JSON parameter and are unpacked by `jsonb_to_recordset`, so any
 * number of rows is a single INSERT (one round trip) with a fixed SQL text. Ordinality keeps
 * the sequence in the order the caller listed the messages.
 */
export function outboxJson(messages: readonly OutboxMessage[]): string {
  return JSON.stringify(messages.map(outboxRow));
}

/** One message as the JSON object the outbox inserts unpack (column names as keys). */
export function outboxRow(message: OutboxMessage): Record<string, unknown> {
  return {
    message_id: message.messageId,
    type: message.type,
    correlation_id: message.correlationId,
    causation_id: message.causationId,
    occurred_at: message.occurredAt.toISOString(),
    payload: message.payload,
  };
}

/**
 * `INSERT INTO outbox … SELECT` from the JSON in `param`. `guard` is an optional CTE name
 * cross-joined in, so the rows are written only if that CTE produced a row.
 */
export function insertOutboxSql(param: string, guard?: string): string {
  return `INSERT INTO outbox (message_id, type, correlation_id, causation_id, occurred_at, payload)
    SELECT o.message_id, o.type, o.correlation_id, o.causation_id, o.occurred_at, o.payload
      FROM ${guard ? `${guard}, ` : ''}ROWS FROM (jsonb_to_recordset(${param}::jsonb) AS (
        message_id varchar, type varchar, correlation_id varchar, causation_id varchar,
        occurred_at timestamptz, payload jsonb))
        WITH ORDINALITY AS o(message_id, type, correlation_id, causation_id, occurred_at, payload, n)
     ORDER BY o.n`;
}
