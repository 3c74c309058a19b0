import type { OutboxMessage } from '@linebacker/domain';
import { columnList, jsonRow, OUTBOX_TABLE, recordsetColumns } from '../schema/table';

const { written } = OUTBOX_TABLE;

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
  return jsonRow(written, message);
}

/** Where the rows of {@link insertOutboxSql} may go: only if CTE `cte` produced a row. */
export interface OutboxGuard {
  cte: string;
  /**
   * Each row carries `change_n` and is written only with the `cte` row whose `n` matches
   * (several changes in one statement); otherwise any `cte` row admits every message.
   */
  byChange?: boolean;
}

/** `INSERT INTO outbox … SELECT` from the JSON in `param`, in the order listed. */
export function insertOutboxSql(param: string, guard?: OutboxGuard): string {
  const byChange = guard?.byChange === true;
  const definitions = [...(byChange ? ['change_n integer'] : []), recordsetColumns(written)];
  const aliases = [...(byChange ? ['change_n'] : []), columnList(written), 'position'];
  const from = !guard ? '' : byChange ? `${guard.cte} JOIN ` : `${guard.cte}, `;
  const on = byChange ? ` ON o.change_n = ${guard?.cte}.n` : '';
  return `INSERT INTO ${OUTBOX_TABLE.name} (${columnList(written)})
    SELECT ${columnList(written, 'o')}
      FROM ${from}ROWS FROM (jsonb_to_recordset(${param}::jsonb) AS (${definitions.join(', ')}))
        WITH ORDINALITY AS o(${aliases.join(', ')})${on}
     ORDER BY o.position`;
}
