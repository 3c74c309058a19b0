import { HISTORY_TABLE, REQUEST_TABLE, columnList } from '../schema/table';

const { name: table, column } = REQUEST_TABLE;

/**
 * One request by id. The columns are named, not `*`: it runs as a prepared statement, and
 * PostgreSQL refuses to reuse a prepared `SELECT *` once a migration has added a column.
 */
export const FIND_REQUEST_SQL = `SELECT ${columnList(REQUEST_TABLE.columns)}
  FROM ${table} WHERE ${column.backupRequestId} = $1`;

/** Several requests by id (`$1` a uuid array), for reads that arrived together. */
export const FIND_REQUESTS_SQL = `SELECT ${columnList(REQUEST_TABLE.columns)}
  FROM ${table} WHERE ${column.backupRequestId} = ANY($1::uuid[])`;

/** Requests per status (statuses with none are absent). */
export const COUNT_BY_STATUS_SQL = `SELECT ${column.statusTypeCode} AS status, count(*)::int AS count
  FROM ${table} GROUP BY 1`;

/** A request's status changes (`$1` its id), oldest first. */
export const HISTORY_SQL = `SELECT ${columnList(HISTORY_TABLE.columns)}
  FROM ${HISTORY_TABLE.name} WHERE ${HISTORY_TABLE.column.backupRequestId} = $1
  ORDER BY ${HISTORY_TABLE.column.statusHistoryId}`;
