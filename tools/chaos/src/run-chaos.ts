import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { check, type ChaosReport, type Observation } from './checker';
import {
  lastTerminalAt,
  nonTerminalCount,
  notifiedRequestIds,
  outboxCount,
  readAllOutcomeRows,
  readDeadLetters,
  readSendWindows,
  readStored,
} from './collect';
import { Nemesis, type FaultRecord } from './nemesis';
import { deriveRandom } from './prng';
import { PrivatePostgres } from './private-postgres';
import { PrivateRabbitMq } from './private-rabbitmq';
import { ReplyCopier } from './replies';
import { missingKinds, planSchedule, type FaultKind, type PlannedFault } from './schedule';
import { snapshotBundles, Supervisor } from './supervisor';
import { CHAOS_JOBS, runWorkload } from './workload';

/** A bug planted on purpose to show the checker catches it. */
export type PlantedBug = 'none' | 'no-recovery';

/** Everything a chaos run is made of (the command line maps onto it one to one). */
export interface ChaosOptions {
  seed: number;
  requests: number;
  ratePerSecond: number;
  faults: readonly FaultKind[];
  faultIntervalMs: readonly [number, number];
  /** Every kind in `faults` at least once (the schedule deals them first). */
  coverKinds?: boolean;
  instances: number;
  drainTimeoutMs: number;
  requestTimeoutMs: number;
  outDir: string;
  plant: PlantedBug;
  /** Added to every pipeline process's environment (e.g. a smaller retry budget). */
  extraEnv?: Record<string, string>;
  /** RabbitMQ nodes: 1 (default) or a private cluster of 3 or more (ADR 0302). */
  clusterNodes?: number;
  log(message: string): void;
}

/** What a run produced. */
export interface ChaosResult {
  report: ChaosReport;
  schedule: PlannedFault[];
  /** Every fault as it ran (target, detail, error). */
  faultRecords: FaultRecord[];
  historyFile: string;
  reportFile: string;
  durationMs: number;
}

const NAMESPACE = 'chaos';
const FAILED_SHARE = 0.2;

/** The environment of every pipeline process in a chaos run. */
export function chaosEnvironment(): Record<string, string> {
  return {
    LINEBACKER_SIM_REPLY_DELAY_MS: '20',
    LINEBACKER_SIM_FAILED_SHARE: String(FAILED_SHARE),
    LINEBACKER_JOB_SERVICE_TIMEOUT_MS: '1000',
    // Recovery must re-drive what a fault stranded well inside the 90 s after the last heal.
    LINEBACKER_RECOVERY_STALE_AFTER_MS: '10000',
    LINEBACKER_RECOVERY_SWEEP_INTERVAL_MS: '5000',
    // A send-to-interface killed mid-send leaves its claim; recovery re-sends once it lapses,
    // so the claim is kept short (still above the 30 s handler timeout, ADR 0212).
    LINEBACKER_SEND_CLAIM_TTL_MS: '35000',
    // A process restarted while a dependency is down keeps trying instead of exiting.
    LINEBACKER_STARTUP_ATTEMPTS: '60',
    LINEBACKER_DB_POOL_SIZE: '4',
    LINEBACKER_STOP_DEADLINE_MS: '8000',
  };
}

/**
 * The backup interface's broker is another system with one URL (its config takes no node
 * list): on a cluster it is the first node, so a fault on that node also takes the
 * interface's classic queues away for a while, as an interface broker outage would.
 */
function interfaceUrl(rabbit: PrivateRabbitMq): string {
  return rabbit.urls[0] ?? rabbit.url;
}

/**
 * On a cluster: every app gets every node (`LINEBACKER_AMQP_URL`, set by the stack) and
 * draws its own node order, so connections spread over the nodes and every node fault
 * hits some of them; the interface's connections go to the first node.
 */
function clusterEnvironment(rabbit: PrivateRabbitMq): Record<string, string> {
  if (rabbit.urls.length === 1) return {};
  return {
    LINEBACKER_AMQP_NODE_ORDER: 'shuffle',
    LINEBACKER_INTERFACE_AMQP_URL: interfaceUrl(rabbit),
  };
}

/** Cleanups that must run however the run ends (also on Ctrl-C; see `main.ts`). */
export const cleanups: (() => Promise<void>)[] = [];

/** Runs every registered cleanup, newest first, each even when an earlier one failed. */
export async function runCleanups(log: (message: string) => void): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    await cleanup?.().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  }
}

async function withDb<T>(url: string, use: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  // The nemesis restarts the server under this client; an unheard 'error' would kill the run.
  db.on('error', () => undefined);
  await db.connect();
  try {
    return await use(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

/**
 * One chaos run: private PostgreSQL and RabbitMQ, the supervised stack, the workload and the
 * nemesis side by side, heal and drain, then the checker. Tears everything down at the end.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const { log } = options;
  mkdirSync(options.outDir, { recursive: true });
  const historyFile = join(options.outDir, 'history.jsonl');
  const reportFile = join(options.outDir, 'report.json');
  const nodes = options.clusterNodes ?? 1;
  if (nodes === 2 || nodes < 1)
    throw new Error(`a private RabbitMQ has 1 node or a cluster of 3 or more, not ${nodes}`);
  try {
    log(`starting a private PostgreSQL and a private RabbitMQ of ${nodes} node(s)`);
    const [postgres, rabbit] = await Promise.all([
      PrivatePostgres.start(),
      PrivateRabbitMq.start(nodes),
    ]);
    cleanups.push(
      () => postgres.destroy(),
      () => rabbit.destroy(),
    );
    const databaseUrl = await postgres.createDatabase('linebacker_chaos');
    log(`PostgreSQL on ${postgres.port}, RabbitMQ ${rabbit.describe()}`);

    const bundleRoot = snapshotBundles(join(options.outDir, 'bundles'));
    cleanups.push(async () => rmSync(bundleRoot, { recursive: true, force: true }));
    const supervisor = await Supervisor.create(
      {
        bundleRoot,
        databaseUrl,
        amqpUrl: rabbit.url,
        namespace: NAMESPACE,
        instances: options.instances,
        leaveOut: options.plant === 'no-recovery' ? ['recovery'] : [],
        env: { ...chaosEnvironment(), ...clusterEnvironment(rabbit), ...options.extraEnv },
        log,
      },
      deriveRandom(options.seed, 'supervisor'),
    );
    cleanups.push(async () => void (await supervisor.stopAll()));
    await supervisor.startAll();
    log(`${supervisor.stack.running().length} processes running`);

    const replies = new ReplyCopier(
      interfaceUrl(rabbit),
      `${NAMESPACE}.backup-interface.replies`,
      databaseUrl,
      FAILED_SHARE,
      deriveRandom(options.seed, 'replies'),
    );
    cleanups.push(() => replies.close());
    const nemesis = new Nemesis({
      supervisor,
      broker: {
        closeAllConnections: () => rabbit.closeAllConnections(),
        stopApp: () => rabbit.stopApp(),
        startApp: () => rabbit.startApp(),
        kill: () => rabbit.kill(),
        restart: () => rabbit.restart(),
        nodes: rabbit.nodes,
        busiestQueue: () => rabbit.busiestQueue(),
        awaitWhole: (timeoutMs) => rabbit.awaitWhole(timeoutMs),
      },
      database: {
        stopImmediate: () => postgres.stopImmediate(),
        startAgain: () => postgres.startAgain(),
        terminateBackends: () => postgres.terminateBackends('linebacker_chaos'),
      },
      injectReplies: (count, lateMs) => replies.inject(count, lateMs),
      log,
    });
    const windowMs = (options.requests / options.ratePerSecond) * 1000;
    const schedule = planSchedule({
      seed: options.seed,
      kinds: options.faults,
      windowMs,
      intervalMs: options.faultIntervalMs,
      coverKinds: options.coverKinds,
    });
    const missing = options.coverKinds ? missingKinds(schedule, options.faults) : [];
    if (missing.length > 0)
      throw new Error(
        `the run is too short to inject every fault kind (missing: ${missing.join(', ')}): ` +
          'post more requests or shorten the fault interval',
      );
    log(
      `workload: ${options.requests} requests at ${options.ratePerSecond}/s; ${schedule.length} faults planned`,
    );

    const nemesisRun = nemesis.run(schedule);
    const history = await runWorkload(
      {
        requests: options.requests,
        ratePerSecond: options.ratePerSecond,
        timeoutMs: options.requestTimeoutMs,
        runId: String(options.seed),
        historyFile,
        receivers: () => supervisor.receiverUrls(),
        // Covering every kind: a fault that starts late (a slow restart before it on the
        // same resource) still runs while calls are made.
        keepPosting: options.coverKinds ? () => nemesis.pending : undefined,
      },
      deriveRandom(options.seed, 'workload'),
    );
    log('workload done; healing');
    await nemesis.heal({ finishSchedule: options.coverKinds });
    await nemesisRun;
    await replies.close();
    const healedAt = nemesis.lastHealAt;
    log('healed; draining');

    const drained = await drain(databaseUrl, rabbit, options.drainTimeoutMs, log);
    log(drained ? 'drained' : `not drained within ${options.drainTimeoutMs} ms`);
    const observation = await observe(databaseUrl, rabbit, supervisor, history, nemesis, healedAt);
    if (nemesis.brokerNotWhole) observation.brokerNotWhole = nemesis.brokerNotWhole;
    const finalExits = await supervisor.stopAll();
    writeLogs(join(options.outDir, 'logs'), supervisor);
    observation.badGracefulExits = [...observation.badGracefulExits, ...finalExits];
    const report = check(observation);
    writeFileSync(
      reportFile,
      JSON.stringify(
        {
          seed: options.seed,
          options: { ...options, log: undefined },
          schedule,
          faults: nemesis.records,
          report,
        },
        null,
        2,
      ),
    );
    return {
      report,
      schedule,
      faultRecords: nemesis.records,
      historyFile,
      reportFile,
      durationMs: Date.now() - started,
    };
  } finally {
    await runCleanups(log);
  }
}

/** Every process's log lines, one JSONL file per instance, for reading a run afterwards. */
function writeLogs(dir: string, supervisor: Supervisor): void {
  mkdirSync(dir, { recursive: true });
  for (const p of supervisor.stack.processes) {
    writeFileSync(
      join(dir, `${p.name.replace('#', '-')}.jsonl`),
      p.handle.lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
    );
  }
}

const isDeadLetterQueue = (q: string) => q.endsWith('.dlq') || q.endsWith('.parked');

/** Waits (bounded) until every request is terminal, the outbox is empty and queues drained. */
async function drain(
  databaseUrl: string,
  rabbit: PrivateRabbitMq,
  timeoutMs: number,
  log: (message: string) => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const [open, outbox] = await withDb(databaseUrl, async (db) => [
        await nonTerminalCount(db),
        await outboxCount(db),
      ]);
      const depths = await rabbit.queueDepths();
      const queued = Object.entries(depths)
        .filter(([q, n]) => n > 0 && !isDeadLetterQueue(q))
        .reduce((sum, [, n]) => sum + n, 0);
      const state = `${open} open requests, ${outbox} outbox rows, ${queued} queued messages`;
      if (state !== last) log(`drain: ${state}`);
      last = state;
      if (open === 0 && outbox === 0 && queued === 0) return true;
    } catch (error) {
      log(`drain: ${String(error)}`);
    }
    await sleep(1000);
  }
  return false;
}

async function observe(
  databaseUrl: string,
  rabbit: PrivateRabbitMq,
  supervisor: Supervisor,
  history: Observation['history'],
  nemesis: Nemesis,
  healedAt: number,
): Promise<Observation> {
  const iface = supervisor.interfaceUrl;
  const attempts = (await (await fetch(`${iface}/stats/requests`)).json()) as Record<
    string,
    number
  >;
  const stats = (await (await fetch(`${iface}/stats`)).json()) as {
    mismatchedMessageIds: number;
    ownRedeliveries: number;
  };
  const queues = Object.fromEntries(
    Object.entries(await rabbit.queueDepths()).filter(([q]) => q.startsWith(`${NAMESPACE}.`)),
  );
  const deadLetterQueues = Object.entries(queues)
    .filter(([q, n]) => n > 0 && isDeadLetterQueue(q))
    .map(([q]) => q);
  const deadLetters = await readDeadLetters(rabbit.url, deadLetterQueues);
  return withDb(databaseUrl, async (db) => {
    const stored = await readStored(db);
    const duplicated = Object.entries(attempts)
      .filter(([, n]) => n > 1)
      .map(([id]) => id);
    return {
      history,
      jobs: CHAOS_JOBS,
      stored,
      rows: await readAllOutcomeRows(db, stored),
      sendWindows: await readSendWindows(db, duplicated),
      interfaceAttempts: attempts,
      mismatchedMessageIds: stats.mismatchedMessageIds,
      interfaceOwnRedeliveries: stats.ownRedeliveries,
      notified: notifiedRequestIds(supervisor.stack),
      queues,
      deadLetters,
      outboxBacklog: await outboxCount(db),
      faults: nemesis.records,
      selfCrashes: supervisor.selfCrashes,
      badGracefulExits: supervisor.gracefulExits.filter((e) => e.code !== 0),
      lastHealAt: healedAt,
      lastTerminalAt: await lastTerminalAt(db),
    };
  });
}
