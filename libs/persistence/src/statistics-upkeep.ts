import type { Database } from './database';

/** The server settings without which PostgreSQL never refreshes planner statistics by itself. */
const UPKEEP_SETTINGS = ['autovacuum', 'track_counts'] as const;

/**
 * The settings of {@link UPKEEP_SETTINGS} that are off on the server. linebacker's hot
 * statements look up batches of rows by id as prepared statements, whose plans PostgreSQL
 * chooses from the tables' statistics: on tables nobody analyzes, a plan chosen while they
 * were small stays a full scan as they grow (ADR 0405).
 */
export async function statisticsUpkeepOff(database: Database): Promise<string[]> {
  const rows = (await database.query(
    'SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])',
    [UPKEEP_SETTINGS],
  )) as Array<{ name: string; setting: string }>;
  return rows.filter((row) => row.setting === 'off').map((row) => row.name);
}
