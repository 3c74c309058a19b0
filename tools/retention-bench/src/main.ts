// Retention's batch time on a large table, with intake inserting meanwhile (ADR 0213,
// docs/benchmarks.md). Seeds a scratch database (BENCH_ROWS requests, BENCH_DUE_SHARE of them
// terminal and past the window, each with two history rows and an Idempotency-Key), runs one
// retention run in BENCH_BATCH-row batches while one session inserts requests with keys
// back to back, and prints the batch times and intake's latencies. Not a test: one run on a
// shared machine; read the figures with the load beside them.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { newBackupRequest } from '@linebacker/domain';
import {
  openDatabase,
  persistenceConfig,
  runMigrations,
  PostgresBackupRequestRepository,
  PostgresRetentionStore,
} from '@linebacker/persistence';
import {
  createTestDatabase,
  seedRequests,
  summarize,
  sweepWhileInserting,
} from '@linebacker/testing';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 100_000);
const DUE = Math.round(ROWS * Number(process.env['BENCH_DUE_SHARE'] ?? 0.6));
const BATCH = Number(process.env['BENCH_BATCH'] ?? 500);

const summary = (values: number[]): string => {
  const { p50, p95, max } = summarize(values);
  return `p50 ${p50} ms, p95 ${p95} ms, max ${max} ms`;
};

async function main(): Promise<void> {
  const database = await createTestDatabase('retbench');
  const pool = await openDatabase(persistenceConfig(database.url, { poolSize: 4 }));
  try {
    await runMigrations(pool);
    const seedStart = performance.now();
    await seedRequests(pool, { count: DUE, status: 'Failed', endedDaysAgo: 120, keyDaysAgo: 120 });
    await seedRequests(pool, { count: ROWS - DUE, status: 'Succeeded', endedDaysAgo: 30 });
    await pool.query('ANALYZE');
    const seeded = ((performance.now() - seedStart) / 1000).toFixed(1);

    const intake = new PostgresBackupRequestRepository(pool, { batching: false });
    const load = loadavg()[0]?.toFixed(1);
    const { outcome, batches, intakeMs } = await sweepWhileInserting(
      new PostgresRetentionStore(pool),
      BATCH,
      async (n) => {
        const request = newBackupRequest(
          randomUUID(),
          {
            backupJobId: 'bench-job',
            dataDate: '2026-12-01',
            preparedDataPathName: '/prepared/bench',
            requesterId: 'bench-client',
            transportTypeCode: 'HTTP',
          },
          new Date(),
        );
        await intake.create(request, [], {
          requesterId: 'bench-client',
          key: `bench-${n}`,
          fingerprint: 'fp',
        });
      },
    );
    const lines = [
      `rows: ${ROWS} requests (${DUE} due), ${2 * ROWS} history rows, ${DUE} keys; seeded in ${seeded} s`,
      `retention: ${outcome.counts.requests} requests, ${outcome.counts.statusHistory} history rows, ` +
        `${outcome.counts.idempotencyKeys} keys removed in ${outcome.batches} batches of ${BATCH}, ` +
        `${(outcome.durationMs / 1000).toFixed(1)} s`,
      `batch time: ${summary(batches.filter((b) => b.counts.requests > 0).map((b) => b.durationMs))}`,
      `intake meanwhile: ${intakeMs.length} requests with keys, ${summary(intakeMs)}`,
      `load average (1 min) at the start: ${load} on the machine's cores`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await pool.close();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`retention-bench: ${String(error)}\n`);
  process.exitCode = 1;
});
