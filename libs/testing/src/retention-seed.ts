import {
  applyRetention,
  systemClock,
  type RequestStatus,
  type RetentionBatch,
  type RetentionOutcome,
  type RetentionStore,
} from '@linebacker/domain';

/** Anything that runs a parameterised statement and returns rows (a pg Client, a Database). */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** A set of like requests, seeded in one statement, with the rows retention cares about. */
export interface SeedRequests {
  count: number;
  status: RequestStatus;
  /** Days since the request's last status change. */
  endedDaysAgo: number;
  /** Days since its Idempotency-Key was stored; null: the request has none. */
  keyDaysAgo?: number | null;
  /** Its Backup: none, or one due this many days ago, marked deleted `markedDaysAgo` ago. */
  backup?: { dueDaysAgo: number; markedDaysAgo?: number | null; hold?: boolean } | null;
}

/**
 * Seeds `count` requests as INSERT … SELECT over generate_series (100,000 in a few seconds),
 * each with two history rows and, as asked, an Idempotency-Key and a Backup. Returns the ids.
 */
export async function seedRequests(db: Queryable, seed: SeedRequests): Promise<string[]> {
  const backup = seed.backup ?? null;
  const rows = (await db.query(
    `WITH created AS (
       INSERT INTO backup_request (backup_request_id, backup_job_id, data_date,
         prepared_data_path_name, transport_type_code, status_type_code, requester_id,
         correlation_id, received_timestamp, status_timestamp)
       SELECT gen_random_uuid(), 'seed-job', DATE '2024-01-01', '/prepared/seed', 'HTTP',
              $2::varchar, 'seed-client', 'seed', now() - make_interval(days => $3::int, hours => 1),
              now() - make_interval(days => $3::int)
         FROM generate_series(1, $1::int)
       RETURNING backup_request_id, received_timestamp, status_timestamp
     ), history AS (
       INSERT INTO backup_request_status_history (backup_request_id, from_status_type_code,
         to_status_type_code, status_timestamp, changed_by_service_name)
       SELECT backup_request_id, NULL, 'Received', received_timestamp, 'seed' FROM created
       UNION ALL
       SELECT backup_request_id, 'Received', $2::varchar, status_timestamp, 'seed' FROM created
     ), keys AS (
       INSERT INTO intake_idempotency_key (requester_id, idempotency_key, fingerprint,
         backup_request_id, created_at)
       SELECT 'seed-client', backup_request_id::text, 'seed', backup_request_id,
              now() - make_interval(days => $4::int)
         FROM created WHERE $4::int IS NOT NULL
     ), backups AS (
       INSERT INTO backup (backup_id, backup_request_id, backup_job_id, data_date,
         backup_provider_code, days_to_keep_count, hold_flag, storage_path_name,
         backup_byte_count, copy_start_timestamp, copy_end_timestamp, due_to_delete_date,
         deleted_timestamp)
       SELECT gen_random_uuid(), backup_request_id, 'seed-job', DATE '2024-01-01', 'Local', 1,
              $7::boolean, '/store/seed', 1, status_timestamp, status_timestamp,
              current_date - $5::int, now() - make_interval(days => $6::int)
         FROM created WHERE $5::int IS NOT NULL
     )
     SELECT backup_request_id AS id FROM created`,
    [
      seed.count,
      seed.status,
      seed.endedDaysAgo,
      seed.keyDaysAgo ?? null,
      backup?.dueDaysAgo ?? null,
      backup?.markedDaysAgo ?? null,
      backup?.hold ?? false,
    ],
  )) as Array<{ id: string }> | { rows: Array<{ id: string }> };
  return (Array.isArray(rows) ? rows : rows.rows).map((row) => row.id);
}

/** How many rows each table retention touches holds now. */
export async function retentionRowCounts(db: Queryable): Promise<Record<string, number>> {
  const result = (await db.query(
    `SELECT (SELECT count(*) FROM backup_request)::int AS requests,
            (SELECT count(*) FROM backup_request_status_history)::int AS history,
            (SELECT count(*) FROM intake_idempotency_key)::int AS keys,
            (SELECT count(*) FROM backup)::int AS backups,
            (SELECT count(*) FROM backup WHERE deleted_timestamp IS NOT NULL)::int AS marked`,
  )) as Array<Record<string, number>> | { rows: Array<Record<string, number>> };
  return (Array.isArray(result) ? result : result.rows)[0] ?? {};
}

/** What one retention run under intake load did: the run, its batches, each insert's time. */
export interface SweepUnderIntake {
  outcome: RetentionOutcome;
  batches: RetentionBatch[];
  intakeMs: number[];
}

/**
 * One retention run (90-day request window, keys and Backups due at once) in `batchSize`-row
 * batches, while `insertOne(n)` stores request n back to back until the run ends: how the
 * scale spec checks that intake never waits on the sweep, and how the retention benchmark
 * measures both. An insert that fails fails the whole call.
 */
export async function sweepWhileInserting(
  retention: RetentionStore,
  batchSize: number,
  insertOne: (n: number) => Promise<void>,
): Promise<SweepUnderIntake> {
  const batches: RetentionBatch[] = [];
  const intakeMs: number[] = [];
  let sweeping = true;
  const intake = (async () => {
    for (let n = 0; sweeping; n++) {
      const started = performance.now();
      await insertOne(n);
      intakeMs.push(performance.now() - started);
    }
  })();
  // Seen by `await intake` below; handled here so an early failure is not reported unhandled.
  intake.catch(() => undefined);
  try {
    const outcome = await applyRetention(
      { retention, clock: systemClock, observe: (batch) => batches.push(batch) },
      {
        windows: { requestDays: 90, idempotencyKeyDays: 0, backupGraceDays: 0 },
        batchSize,
        maxRunMs: 600_000,
      },
    );
    return { outcome, batches, intakeMs };
  } finally {
    sweeping = false;
    await intake;
  }
}
