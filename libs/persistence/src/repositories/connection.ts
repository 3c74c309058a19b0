import { createHash } from 'node:crypto';
import type { DataSource, EntitySchema, QueryRunner } from 'typeorm';
import { toPersistenceError } from '../pg-errors';

/** A failure of the caller's own callback (e.g. the relay's publish): never remapped. */
export class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/** Runs a callback so that whatever it throws reaches the caller unchanged. */
export async function passThrough<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new CallbackFailure(error);
  }
}

/**
 * Closes the connection instead of returning it to the pool when it can no longer be
 * trusted: after a client-side read timeout the server may still answer the abandoned
 * query, and the next borrower would queue behind it.
 */
async function discardIfSuspect(runner: QueryRunner, error: unknown): Promise<void> {
  if (!(error instanceof Error) || !/query read timeout/i.test(error.message)) return;
  // Connected already (the query was sent), so this returns the client without a wait.
  const client = (await runner.connect().catch(() => undefined)) as
    { end?: () => Promise<void> } | undefined;
  client?.end?.().catch(() => undefined);
}

/**
 * Borrows one pooled connection for `work`, returns it afterwards, and maps every database
 * failure (including failing to get a connection) to linebacker's error taxonomy.
 */
export async function withConnection<T>(
  dataSource: DataSource,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  let runner: QueryRunner | undefined;
  try {
    runner = dataSource.createQueryRunner();
    return await work(runner);
  } catch (error) {
    if (error instanceof CallbackFailure) throw error.error;
    if (runner) await discardIfSuspect(runner, error);
    throw toPersistenceError(error);
  } finally {
    await runner?.release();
  }
}

async function rollbackQuietly(runner: QueryRunner): Promise<void> {
  try {
    await runner.query('ROLLBACK');
  } catch {
    // The connection is gone; the server rolls the transaction back by itself.
  }
}

/** Transaction-local settings, applied in the same round trip as BEGIN. */
export interface TransactionSettings {
  /** How long a statement may wait for a row or key lock before failing with 55P03. */
  lockTimeoutMs?: number;
}

function beginSql(settings: TransactionSettings): string {
  const statements = ['BEGIN'];
  if (settings.lockTimeoutMs !== undefined)
    statements.push(`SET LOCAL lock_timeout = ${Math.max(1, Math.trunc(settings.lockTimeoutMs))}`);
  return statements.join('; ');
}

/**
 * Runs `work` in one transaction: BEGIN (with any settings), the work, COMMIT; any failure
 * rolls back. Issued by hand rather than through TypeORM so settings share BEGIN's round trip.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (runner: QueryRunner) => Promise<T>,
  settings: TransactionSettings = {},
): Promise<T> {
  return withConnection(dataSource, async (runner) => {
    await runner.query(beginSql(settings));
    try {
      const result = await work(runner);
      await runner.query('COMMIT');
      return result;
    } catch (error) {
      await rollbackQuietly(runner);
      throw error;
    }
  });
}

/**
 * Turns a raw row (column names) into an entity (property names) using the EntitySchema,
 * so the schema files stay the single description of the mapping. pg already parsed each
 * value to the type the domain expects (see DATE_AS_TEXT_TYPES for dates).
 */
export function hydrate<T>(
  dataSource: DataSource,
  schema: EntitySchema<T>,
  row: Record<string, unknown>,
): T {
  const entity: Record<string, unknown> = {};
  for (const column of dataSource.getMetadata(schema).columns) {
    entity[column.propertyName] = row[column.databaseName];
  }
  return entity as T;
}

/** Runs one statement and returns its rows, whatever the command (TypeORM reshapes UPDATE's). */
export async function queryRows(
  runner: QueryRunner,
  sql: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const result = (await runner.query(sql, params, true)) as { records?: unknown[] };
  return (result.records ?? []) as Record<string, unknown>[];
}

/** The part of node-postgres' client that runs a named (server-side prepared) statement. */
interface PreparingClient {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Statement names by SQL text; bounded so a caller with ever-new texts cannot grow it. */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 64;

/** The name a statement text is prepared under (undefined once the bound is reached). */
export function statementName(sql: string): string | undefined {
  const known = statementNames.get(sql);
  if (known !== undefined || statementNames.size >= MAX_NAMED_STATEMENTS) return known;
  const name = `lb_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
  statementNames.set(sql, name);
  return name;
}

/**
 * Runs one statement of the hot path as a named prepared statement: each pooled connection
 * parses it once and can reuse its plan, where an unnamed statement is parsed and planned on
 * every call (measured with pg_stat_statements: planning took 40-200 % of the execution time
 * of the pipeline's statements). Only for statements whose texts form a small fixed set; past
 * {@link MAX_NAMED_STATEMENTS} distinct texts a statement runs unnamed. A DataSource whose
 * connections share one server session ({@link runStatementsUnnamed}) runs every statement
 * unnamed: there one connection's name would clash with another's.
 */
export async function preparedRows(
  runner: QueryRunner,
  sql: string,
  params: unknown[],
): Promise<Record<string, unknown>[]> {
  const name = sharedSessions.has(runner.connection) ? undefined : statementName(sql);
  if (name === undefined) return queryRows(runner, sql, params);
  const client = (await runner.connect()) as PreparingClient;
  return (await client.query({ name, text: sql, values: params })).rows;
}

/** DataSources whose connections share one server session: no named statements there. */
const sharedSessions = new WeakSet<object>();

/** Makes every statement of `dataSource` run unnamed (its connections share one session). */
export function runStatementsUnnamed(dataSource: DataSource): void {
  sharedSessions.add(dataSource);
}
