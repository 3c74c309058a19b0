import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InterfaceTransport } from '@linebacker/simulators';
import { Client } from 'pg';
import { brokerProcesses, CpuWindow, type WatchedProcess, type WindowUsage } from './cpu-window';
import {
  backendPids,
  CountingClient,
  databaseCounters,
  type DatabaseCounters,
  type RunEnvironment,
} from './environment';
import { Poster, postBatch } from './http-load';
import type { BatchSizes, StackCounters } from './linebacker-stack';
import { readPerfRecording, startPerfRecord, summarizeRoles } from './perf-samples';
import { hundredths, tenths } from './rounds';
import type { LatencySummary } from '@linebacker/testing';

/** Where a pipeline keeps its requests (table and columns). */
export interface RequestTable {
  table: string;
  status: string;
  receivedAt: string;
  statusAt: string;
}

/** linebacker's request table. */
export const LINEBACKER_TABLE: RequestTable = {
  table: 'backup_request',
  status: 'status_type_code',
  receivedAt: 'received_timestamp',
  statusAt: 'status_timestamp',
};

/** The lean pipeline's request table. */
export const LEAN_TABLE: RequestTable = {
  table: 'lean_request',
  status: 'status',
  receivedAt: 'received_at',
  statusAt: 'status_at',
};

/** A running pipeline as the end-to-end phase drives it. */
export interface E2eTarget {
  pipeline: 'linebacker' | 'lean';
  /** How the pipeline reaches the backup interface (the lean pipeline: always AMQP). */
  interfaceTransport: InterfaceTransport;
  instances: number;
  /** Which round of the end-to-end runs this is, with `--rounds` above 1. */
  round?: number;
  /** Every receiver's API: the posting clients are spread over them evenly. */
  receiverUrls: string[];
  table: RequestTable;
  environment: RunEnvironment;
  watched: ConstructorParameters<typeof CpuWindow>[0];
  /** Stops the pipeline; resolves with what its processes counted. */
  stop(): Promise<StackCounters>;
}

/** One end-to-end measurement. */
export interface E2eResult {
  pipeline: 'linebacker' | 'lean';
  interfaceTransport: InterfaceTransport;
  instances: number;
  /** Which round of the end-to-end runs, with `--rounds` above 1 (absent: the only one). */
  round?: number;
  /** HTTP receivers the batch was posted to (absent in older results: one). */
  receivers?: number;
  batch: number;
  accepted: number;
  postErrors: number;
  /** Time to post the whole batch and its rate (the receiver's intake under load). */
  postSeconds: number;
  completed: number;
  timedOut: boolean;
  /** From the first stored creation to the last stored terminal time. */
  spanSeconds: number;
  completionsPerSecond: number;
  /** Terminal time − creation time of each request, from the stored timestamps. */
  latencyMs: LatencySummary;
  outcomes: Record<string, number>;
  /** linebacker only: p50/p99 ms of each status move, from the stored status history. */
  stepsMs?: Record<string, { p50: number; p99: number }>;
  usage: WindowUsage;
  /** CPU milliseconds per completed request, by role (app, rabbitmq, postgres…). */
  cpuMsPerRequestByRole: Record<string, number>;
  database: DatabaseCounters & {
    benchStatements: number;
    commitsPerRequest: number;
    /** ANALYZE rounds the bench ran during the window (absent before 6 December). */
    analyzeRuns?: number;
  };
  messages: { deliveriesByConsumer: Record<string, number>; total: number; perRequest: number };
  /**
   * linebacker only (absent before `7e98eff`): group-commit batches and relay takes by app
   * and kind, warm-up included, with the calls or rows each held on average.
   */
  batchSizes?: Record<string, BatchSizes>;
  /**
   * linebacker only (absent before `7e98eff`): seconds of garbage collection by app and kind
   * over the processes' whole lives (start-up and warm-up included).
   */
  gcSeconds?: Record<string, number>;
  /** With `perfDir`: one line per process, what its on-CPU samples were charged to. */
  onCpuSamples?: string[];
  /**
   * Requests posted and settled before the window (absent before 6 December: every window
   * then began with freshly started processes), and how long the VACUUM after them took
   * (absent before 7 December, afternoon: none). Only the batch after them is measured.
   */
  warmUp?: { requests: number; completed: number; vacuumMs?: number };
}

const TERMINAL = `('NotAllowed', 'Succeeded', 'Failed')`;

async function freshCounters(url: string, name: string): Promise<DatabaseCounters> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await databaseCounters(new CountingClient(client), name);
  } finally {
    await client.end();
  }
}

/** A time in ms as PostgreSQL returned it (null when there was none), to tenths. */
const msOf = (v: unknown): number => tenths(Number(v ?? 0));

async function storedLatency(db: CountingClient, t: RequestTable, since: string) {
  const [row] = await db.query<Record<string, number | number[] | null>>(
    `SELECT count(*)::int AS n,
            extract(epoch FROM max(${t.statusAt}) - min(${t.receivedAt}))::float8 AS span,
            percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP
              (ORDER BY extract(epoch FROM ${t.statusAt} - ${t.receivedAt}) * 1000) AS pct,
            max(extract(epoch FROM ${t.statusAt} - ${t.receivedAt}) * 1000)::float8 AS max
       FROM ${t.table} WHERE ${t.status} IN ${TERMINAL} AND ${t.receivedAt} >= $1`,
    [since],
  );
  const pct = (row?.['pct'] as number[] | null) ?? [0, 0, 0];
  const latencyMs: LatencySummary = {
    count: Number(row?.['n'] ?? 0),
    p50: msOf(pct[0]),
    p95: msOf(pct[1]),
    p99: msOf(pct[2]),
    max: msOf(row?.['max']),
  };
  return { latencyMs, spanSeconds: Number(row?.['span'] ?? 0) };
}

/** p50/p99 of the time between consecutive status moves, from linebacker's status history. */
async function stepTimes(
  db: CountingClient,
  since: string,
): Promise<Record<string, { p50: number; p99: number }>> {
  const rows = await db.query<{ step: string; pct: number[] }>(
    `SELECT coalesce(a.to_status_type_code, '?') || ' -> ' || b.to_status_type_code AS step,
            percentile_disc(ARRAY[0.5, 0.99]) WITHIN GROUP
              (ORDER BY extract(epoch FROM b.status_timestamp - a.status_timestamp) * 1000) AS pct
       FROM backup_request_status_history a
       JOIN backup_request_status_history b
         ON b.backup_request_id = a.backup_request_id
        AND b.from_status_type_code = a.to_status_type_code
       JOIN backup_request r
         ON r.backup_request_id = a.backup_request_id AND r.received_timestamp >= $1
      GROUP BY 1 ORDER BY 1`,
    [since],
  );
  return Object.fromEntries(
    rows.map((r) => [r.step, { p50: msOf(r.pct[0]), p99: msOf(r.pct[1]) }]),
  );
}

/** How one end-to-end run is driven. */
export interface E2eSettings {
  batch: number;
  /** POSTs in flight. */
  postConcurrency: number;
  /** Requests posted per second, open loop (0: as fast as the POSTs in flight allow). */
  postRate: number;
  timeoutSeconds: number;
  /** ANALYZE the database this often while the batch runs (0: never). */
  analyzeEverySeconds: number;
  /** Record on-CPU samples of the whole machine over the window into this folder (perf). */
  perfDir?: string;
  /**
   * Requests per instance of the run's apps posted and settled before the window opens (x2:
   * twice as many), so that the window measures the apps as they run once V8 has compiled
   * their hot code: in windows that start with fresh processes its optimizing compiler takes
   * 19-30 % of each app's CPU, once per process (perf, 7 December); 0: none.
   */
  warmUp: number;
}

/**
 * Runs ANALYZE on the measured database every `seconds` until stopped, standing in for
 * autovacuum, which a production server runs and this machine's PostgreSQL has switched
 * off. Without it the tables of a fresh database are never analyzed, and a prepared
 * statement's generic plan chosen while they were empty stays a sequential scan however far
 * they grow: a batched lookup by id then reads the whole table (ADR 0405). Its own backend,
 * so its CPU counts under PostgreSQL. Stopping it resolves with the rounds it ran (one
 * commit each, which are the bench's, not the pipeline's).
 */
function analyzeEvery(databaseUrl: string, seconds: number): () => Promise<number> {
  if (seconds <= 0) return () => Promise.resolve(0);
  const db = new Client({ connectionString: databaseUrl });
  const stopped = new AbortController();
  let rounds = 0;
  // Settles with the error that ended it, if any, so that nothing is left unhandled when the
  // run fails before stopping it.
  const loop = (async () => {
    await db.connect();
    while (!stopped.signal.aborted) {
      await sleep(seconds * 1000, undefined, { signal: stopped.signal }).catch(() => undefined);
      if (stopped.signal.aborted) break;
      // One transaction for every table: one commit to take off the pipeline's count.
      await db.query('BEGIN; ANALYZE; COMMIT');
      rounds += 1;
    }
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
  return async () => {
    stopped.abort();
    const error = await loop;
    await db.end().catch(() => undefined);
    if (error !== undefined) throw error;
    return rounds;
  };
}

/**
 * Posts `count` requests, then polls until every accepted one received since `since` (the
 * database's clock) is terminal or time runs out.
 */
async function postAndSettle(
  target: E2eTarget,
  poll: CountingClient,
  settings: E2eSettings,
  count: number,
  since: string,
) {
  const { table } = target;
  const posters = target.receiverUrls.map(
    (url) => new Poster(`${url}/api/backup-requests`, settings.postConcurrency),
  );
  const postStart = performance.now();
  const { ids, errors } = await postBatch(
    posters,
    count,
    settings.postConcurrency,
    `${target.pipeline}-${target.instances}`,
    settings.postRate,
  );
  const postSeconds = (performance.now() - postStart) / 1000;
  for (const poster of posters) poster.close();
  const deadline = Date.now() + settings.timeoutSeconds * 1000;
  let completed = 0;
  for (;;) {
    const [row] = await poll.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table.table}
        WHERE ${table.status} IN ${TERMINAL} AND ${table.receivedAt} >= $1`,
      [since],
    );
    completed = row?.n ?? 0;
    if (completed >= ids.length || Date.now() > deadline) break;
    await sleep(250);
  }
  return { ids, errors, postSeconds, completed };
}

/**
 * Posts a fixed batch (at most `postConcurrency` calls in flight), waits until every accepted
 * request is terminal in the database, and measures CPU, memory, transactions and messages
 * over that window. Stops the target before reading the transaction counters: a backend
 * flushes its statistics when it exits.
 */
export async function runE2e(target: E2eTarget, settings: E2eSettings): Promise<E2eResult> {
  const { environment, table } = target;
  const poll = new CountingClient(new Client({ connectionString: environment.databaseUrl }));
  await poll.client.connect();
  // The processes whose CPU the window counts, and perf's samples are read for.
  const watched = (): WatchedProcess[] => [
    ...target.watched(),
    ...brokerProcesses(Number(new URL(environment.amqpUrl).port || 5672)),
  ];
  const backends = (): Promise<number[]> => backendPids(poll, environment.databaseName);
  const window = new CpuWindow(watched, backends);
  const warmUp = await warmUpPipeline(target, poll, settings);
  const since = await databaseNow(poll);
  // The bench's own statements are taken off the window's commits: count from here.
  poll.statements = 0;
  const before = await freshCounters(environment.databaseUrl, environment.databaseName);
  const perfFile = settings.perfDir
    ? join(
        settings.perfDir,
        `${target.pipeline}-${target.interfaceTransport}-x${target.instances}${target.round ? `-r${target.round}` : ''}.perf.data`,
      )
    : undefined;
  const recording = perfFile ? startPerfRecord(perfFile) : undefined;
  await window.start();
  const stopAnalyzing = analyzeEvery(environment.databaseUrl, settings.analyzeEverySeconds);
  const { ids, errors, postSeconds, completed } = await postAndSettle(
    target,
    poll,
    settings,
    settings.batch,
    since,
  ).catch(async (error: unknown) => {
    await stopAnalyzing().catch(() => undefined);
    await recording?.stop().catch(() => undefined);
    throw error;
  });
  await sleep(1000); // the end events reach the notifier
  const analyzeRuns = await stopAnalyzing();
  const usage = await window.end();
  await recording?.stop();
  // Read while the processes run: the pids of this run's apps, broker and backends.
  const roleOf = perfFile ? perfRoles(watched(), await backends()) : undefined;
  const { latencyMs, spanSeconds } = await storedLatency(poll, table, since);
  const outcomeRows = await poll.query<{ status: string; n: number }>(
    `SELECT ${table.status} AS status, count(*)::int AS n FROM ${table.table}
      WHERE ${table.receivedAt} >= $1 GROUP BY 1`,
    [since],
  );
  const stepsMs = target.pipeline === 'linebacker' ? await stepTimes(poll, since) : undefined;
  await poll.client.end();
  const { deliveries: deliveriesByConsumer, batchSizes, gcSeconds } = await target.stop();
  await sleep(500);
  const after = await freshCounters(environment.databaseUrl, environment.databaseName);
  // The first counter read's own commit plus every poll are the bench's, not the pipeline's.
  const benchStatements = poll.statements + analyzeRuns + 1;
  const delta = (key: keyof DatabaseCounters): number => after[key] - before[key];
  const onCpuSamples =
    perfFile && roleOf ? summarizeRoles(await readPerfRecording(perfFile, roleOf)) : undefined;
  const n = Math.max(1, completed);
  const byRole: Record<string, number> = {};
  for (const p of usage.processes) byRole[p.role] = (byRole[p.role] ?? 0) + p.cpuSeconds;
  const total = Object.values(deliveriesByConsumer).reduce((s, v) => s + v, 0);
  const perRequest = (v: number, requests = n): number => hundredths(v / requests);
  return {
    pipeline: target.pipeline,
    interfaceTransport: target.interfaceTransport,
    instances: target.instances,
    ...(target.round ? { round: target.round } : {}),
    receivers: target.receiverUrls.length,
    batch: settings.batch,
    accepted: ids.length,
    postErrors: errors,
    postSeconds: hundredths(postSeconds),
    completed,
    timedOut: completed < ids.length,
    spanSeconds: hundredths(spanSeconds),
    completionsPerSecond: tenths(completed / Math.max(0.001, spanSeconds)),
    latencyMs,
    outcomes: Object.fromEntries(outcomeRows.map((r) => [r.status, r.n])),
    ...(stepsMs ? { stepsMs } : {}),
    usage,
    cpuMsPerRequestByRole: Object.fromEntries(
      Object.entries(byRole).map(([role, s]) => [role, hundredths((s * 1000) / n)]),
    ),
    database: {
      xactCommit: delta('xactCommit') - benchStatements,
      xactRollback: delta('xactRollback'),
      tupInserted: delta('tupInserted'),
      tupUpdated: delta('tupUpdated'),
      tupDeleted: delta('tupDeleted'),
      benchStatements,
      analyzeRuns,
      commitsPerRequest: perRequest(delta('xactCommit') - benchStatements),
    },
    // The consumers counted the warm-up's deliveries too: per request of both.
    messages: {
      deliveriesByConsumer,
      total,
      perRequest: perRequest(total, n + (warmUp?.completed ?? 0)),
    },
    ...(batchSizes ? { batchSizes } : {}),
    ...(gcSeconds ? { gcSeconds } : {}),
    ...(warmUp ? { warmUp } : {}),
    ...(onCpuSamples ? { onCpuSamples } : {}),
  };
}

/** The database's clock, to the millisecond (as the apps store their timestamps). */
async function databaseNow(poll: CountingClient): Promise<string> {
  const [row] = await poll.query<{ now: string }>(
    `SELECT date_trunc('milliseconds', clock_timestamp())::text AS now`,
  );
  if (!row) throw new Error('no clock_timestamp()');
  return row.now;
}

/**
 * Posts `settings.warmUp` requests per instance and waits until they are terminal, with the
 * database analyzed meanwhile as in the window; then vacuums it, as autovacuum would have
 * done with the warm-up's dead rows on a server that runs it (this one does not, and the
 * window's relays and reads would otherwise walk them). Before the window's counters are
 * read, so its commits are not counted. Undefined when there is no warm-up.
 */
async function warmUpPipeline(
  target: E2eTarget,
  poll: CountingClient,
  settings: E2eSettings,
): Promise<{ requests: number; completed: number; vacuumMs: number } | undefined> {
  if (settings.warmUp <= 0) return undefined;
  const since = await databaseNow(poll);
  const stopAnalyzing = analyzeEvery(target.environment.databaseUrl, settings.analyzeEverySeconds);
  let settled: { ids: string[]; completed: number };
  try {
    settled = await postAndSettle(
      target,
      poll,
      settings,
      settings.warmUp * target.instances,
      since,
    );
  } finally {
    await stopAnalyzing();
  }
  const { ids, completed } = settled;
  if (completed < ids.length)
    throw new Error(`warm-up: ${completed} of ${ids.length} requests terminal in time`);
  const started = performance.now();
  await poll.query('VACUUM (ANALYZE)');
  const vacuumMs = Math.round(performance.now() - started);
  // Its commits must reach the statistics before the window's counters are read (PostgreSQL
  // 15 flushes a backend's at most once a second otherwise; older servers have no such call).
  await poll.query('SELECT pg_stat_force_next_flush()').catch(() => undefined);
  return { requests: ids.length, completed, vacuumMs };
}

/** The processes a perf recording is read for, by pid: each app instance, the broker, the backends. */
function perfRoles(processes: WatchedProcess[], backends: number[]): Map<number, string> {
  const roleOf = new Map(processes.map((p) => [p.pid, p.name]));
  for (const pid of backends) roleOf.set(pid, 'postgres (bench database backends)');
  return roleOf;
}
