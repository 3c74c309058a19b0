import type { Backup } from '@linebacker/domain';
import type { EntitySchema, EntitySchemaColumnOptions } from 'typeorm';
import { BackupRequestSchema, type BackupRequestRow } from './backup-request.schema';
import { BackupSchema } from './backup.schema';
import { CallbackAttemptSchema, type CallbackAttemptRow } from './callback-attempt.schema';
import { IdempotencyKeySchema, type IdempotencyKeyRow } from './idempotency-key.schema';
import { OutboxSchema, type OutboxRow } from './outbox.schema';
import { StatusHistorySchema, type StatusHistoryRow } from './status-history.schema';

/** One mapped column: the entity's property, the column's name and its SQL type. */
export interface Column {
  property: string;
  name: string;
  type: string;
}

/**
 * A table as its EntitySchema maps it, in the shapes the hand-written statements need. The
 * EntitySchema is the one statement of a table's columns (the migrations create them, and
 * a test checks the two agree); every column list in SQL is derived from here.
 */
export interface Table<T> {
  name: string;
  /** Every mapped column, in the schema's order. */
  columns: readonly Column[];
  /** The columns a statement writes: all but those the database fills in itself. */
  written: readonly Column[];
  /** Column name by property. */
  column: Readonly<Record<keyof T & string, string>>;
}

/** Reads a table's columns off its EntitySchema (once, at module load). */
export function tableOf<T>(schema: EntitySchema<T>): Table<T> {
  const { tableName, columns: options } = schema.options;
  if (!tableName) throw new Error(`EntitySchema ${schema.options.name} names no table`);
  const entries = Object.entries(options) as Array<[string, EntitySchemaColumnOptions | undefined]>;
  const mapped = entries.map(([property, column]) => {
    const { name, type, generated, createDate, insert } = column ?? {};
    if (typeof name !== 'string' || typeof type !== 'string') {
      throw new Error(`${tableName}.${property} needs a column name and a type name`);
    }
    // `insert: false`: a column whose default the database computes (the outbox's lane).
    const filledByDatabase = !!generated || !!createDate || insert === false;
    return { column: { property, name, type }, filledByDatabase };
  });
  const columns = mapped.map(({ column }) => column);
  return {
    name: tableName,
    columns,
    written: mapped.filter((c) => !c.filledByDatabase).map(({ column }) => column),
    column: Object.fromEntries(columns.map((c) => [c.property, c.name])) as Table<T>['column'],
  };
}

/**
 * Turns a row (column names) into an entity (property names) with the table's mapping, so
 * the schema files stay the single description of it. pg already parsed each value to the
 * type the domain expects (see DATE_AS_TEXT_TYPES for dates).
 */
export function hydrate<T>(table: Table<T>, row: Record<string, unknown>): T {
  const entity: Record<string, unknown> = {};
  for (const { property, name } of table.columns) entity[property] = row[name];
  return entity as T;
}

/** `a, b, c`, or `x.a, x.b, x.c` with an alias. */
export function columnList(columns: readonly Column[], alias?: string): string {
  return columns.map(({ name }) => (alias ? `${alias}.${name}` : name)).join(', ');
}

/** `a uuid, b varchar, …`: the column definition list of a `jsonb_to_recordset`. */
export function recordsetColumns(columns: readonly Column[]): string {
  return columns.map(({ name, type }) => `${name} ${type}`).join(', ');
}

/** The entity as the JSON object a `jsonb_to_recordset` unpacks: column names as keys. */
export function jsonRow(columns: readonly Column[], entity: object): Record<string, unknown> {
  const values = entity as Record<string, unknown>;
  return Object.fromEntries(columns.map(({ property, name }) => [name, values[property]]));
}

/**
 * `INSERT INTO t (columns) SELECT values FROM …`, given an SQL expression per written column
 * of `table` (keyed by property, so a new column fails at module load until it is given one).
 */
export function insertSelectSql<T>(
  table: Table<T>,
  values: Readonly<Partial<Record<keyof T & string, string>>>,
  from: string,
): string {
  const given = values as Readonly<Record<string, string | undefined>>;
  const expressions = table.written.map(({ property }) => {
    const expression = given[property];
    if (expression === undefined) throw new Error(`no value for ${table.name}.${property}`);
    return expression;
  });
  return `INSERT INTO ${table.name} (${columnList(table.written)})
      SELECT ${expressions.join(', ')} ${from}`;
}

/** backup_request. */
export const REQUEST_TABLE = tableOf<BackupRequestRow>(BackupRequestSchema);
/** backup_request_status_history. */
export const HISTORY_TABLE = tableOf<StatusHistoryRow>(StatusHistorySchema);
/** backup. */
export const BACKUP_TABLE = tableOf<Backup>(BackupSchema);
/** outbox. */
export const OUTBOX_TABLE = tableOf<OutboxRow>(OutboxSchema);
/** intake_idempotency_key. */
export const IDEMPOTENCY_KEY_TABLE = tableOf<IdempotencyKeyRow>(IdempotencyKeySchema);
/** callback_attempt. */
export const CALLBACK_ATTEMPT_TABLE = tableOf<CallbackAttemptRow>(CallbackAttemptSchema);
