import type { Database } from './database';
import { DatabasePrivilegesMissingError } from './privilege-errors';
import { ALL_ENTITY_SCHEMAS } from './schema/entity-schemas';

/** What every app does to rows: the repositories and the outbox relay use all four. */
const ROW_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/**
 * The privileges the session's role lacks, as `PRIVILEGE on table` lines: each row privilege
 * on each mapped table, USAGE on the sequences its columns own (their bigserial ids). A
 * table the role cannot see at all (not migrated, or no USAGE on its schema) is reported as
 * such, since `has_table_privilege` would fail on it. The CASE keeps the sequence check off
 * the other objects a column may own: the planner may evaluate a WHERE before a join filter.
 */
const MISSING_PRIVILEGES_SQL = `
  WITH wanted AS (SELECT name, to_regclass(quote_ident(name)) AS id FROM unnest($1::text[]) AS name)
  SELECT name || ' (not visible: migrations not applied, or no USAGE on its schema)' AS missing
    FROM wanted WHERE id IS NULL
  UNION ALL
  SELECT privilege || ' on ' || name
    FROM wanted, unnest($2::text[]) AS privilege
   WHERE id IS NOT NULL AND NOT has_table_privilege(id, privilege)
  UNION ALL
  SELECT 'USAGE on ' || sequence.oid::regclass::text
    FROM wanted
    JOIN pg_catalog.pg_depend owned ON owned.refobjid = wanted.id AND owned.refobjsubid > 0
    JOIN pg_catalog.pg_class sequence ON sequence.oid = owned.objid
   WHERE CASE WHEN sequence.relkind = 'S' THEN NOT has_sequence_privilege(sequence.oid, 'USAGE') END`;

/** Every mapped table's name, sorted. */
const MAPPED_TABLES = ALL_ENTITY_SCHEMAS.map((schema) => String(schema.options.tableName)).sort();

/**
 * Checks at start-up that the session's role may read and write every table the schema
 * maps; throws {@link DatabasePrivilegesMissingError} listing what is missing. One round
 * trip, read only, and a superuser or owner passes as well: it checks for too little, not
 * for too much.
 */
export async function assertAppPrivileges(database: Database): Promise<void> {
  const rows = await database.query(MISSING_PRIVILEGES_SQL, [MAPPED_TABLES, ROW_PRIVILEGES]);
  if (rows.length > 0)
    throw new DatabasePrivilegesMissingError(rows.map((row) => String(row['missing'])));
}
