import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { Cleanup } from './cleanup';
import type { InterfaceTransport } from '@linebacker/simulators';
import { Azurite, LOCAL_DATABASE_URL, PIPELINE_WORKER_APPS } from '@linebacker/testing';
import { LEAN_TABLE, LINEBACKER_TABLE, runE2e, type E2eResult } from './e2e-phase';
import { openRunEnvironment } from './environment';
import { runIntake, type IntakeAuth, type IntakeOptions, type IntakeResult } from './intake-phase';
import { INTAKE_P99_BOUND_MS } from './intake-summary';
import { startLeanStack } from './lean/lean-stack';
import { startLinebackerStack } from './linebacker-stack';
import type { WatchedProcess } from './cpu-window';
import { instancesLabel, runLabel, type BenchResult, type MachineInfo } from './result';
import { byRound, hundredths, overRounds } from './rounds';
import { allocProfilePreload } from './alloc-profile';
import { cpuProfilePreload } from './cpu-profile';
import { preloadEnv } from './profile-preload';

/** Everything one bench run needs to know. */
export interface BenchOptions {
  instances: number[];
  /**
   * Times the end-to-end runs are made, the instance counts alternating within each round;
   * targets that compare runs are judged on the median of the rounds (see ./rounds.ts).
   */
  rounds: number;
  /** HTTP receivers of every end-to-end run (0: as many as the run's worker instances). */
  receivers: number;
  /** Every process of an end-to-end run in a session of its own (a CPU scheduling group). */
  ownSessions: boolean;
  batch: number;
  /** Requests settled before each end-to-end window (see E2eSettings). */
  warmUp: number;
  postConcurrency: number;
  /** Requests posted per second in an end-to-end batch (see E2eSettings). */
  postRate: number;
  timeoutSeconds: number;
  prefetch: number;
  dbPoolSize: number;
  /** ANALYZE the measured database this often during an end-to-end run (0: never). */
  analyzeEverySeconds: number;
  queueType: 'quorum' | 'classic';
  /** One linebacker end-to-end run per transport and instance count (the lean one: AMQP). */
  interfaceTransports: InterfaceTransport[];
  /** Intake settings; one intake run per entry of `authModes` (the first is `intake`). */
  intake: (Omit<IntakeOptions, 'auth'> & { authModes: IntakeAuth[] }) | undefined;
  lean: boolean;
  env: Record<string, string>;
  /** Every process of both pipelines writes a V8 CPU profile here (see ./cpu-profile.ts). */
  cpuProfileDir?: string;
  /** Every process of both pipelines writes an allocation profile here (./alloc-profile.ts). */
  allocProfileDir?: string;
  /** Each end-to-end run records on-CPU samples with perf here (see ./perf-samples.ts). */
  perfDir?: string;
  command: string;
}

const run = promisify(execFile);

async function machineInfo(): Promise<MachineInfo> {
  const cpuModel =
    /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const db = new Client({
    connectionString: process.env['LINEBACKER_DATABASE_URL'] ?? LOCAL_DATABASE_URL,
  });
  await db.connect();
  const postgres = String(
    (await db.query<{ v: string }>('SHOW server_version')).rows[0]?.['server_version' as 'v'] ?? '',
  );
  await db.end();
  const rabbitmq = await run('rabbitmqctl', ['version'], { timeout: 60_000 }).then(
    (r) => r.stdout.trim(),
    () => 'unknown',
  );
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres,
    rabbitmq,
    schedAutogroup: schedAutogroup(),
  };
}

/**
 * Whether the kernel groups CPU time by session (`kernel.sched_autogroup_enabled`): then the
 * processes of one session share one group's time, and the broker and the database, started
 * in sessions of their own, each get a group's. Undefined where the kernel has no such setting.
 */
function schedAutogroup(): boolean | undefined {
  try {
    return readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
  } catch {
    return undefined;
  }
}

/** The preloads of `--cpu-profile` and `--alloc-profile`, both if both are asked for. */
function profilingEnv(options: BenchOptions): Record<string, string> {
  const preloads = [
    ...(options.cpuProfileDir ? [cpuProfilePreload(options.cpuProfileDir)] : []),
    ...(options.allocProfileDir ? [allocProfilePreload(options.allocProfileDir)] : []),
  ];
  return preloads.length === 0 ? {} : preloadEnv(preloads);
}

/** The environment every process of both pipelines gets (simulators answer at once). */
function sharedEnv(options: BenchOptions): Record<string, string> {
  return {
    LINEBACKER_SIM_REPLY_DELAY_MS: '0',
    LINEBACKER_SIM_FAILED_SHARE: '0',
    LINEBACKER_PREFETCH: String(options.prefetch),
    LINEBACKER_DB_POOL_SIZE: String(options.dbPoolSize),
    LINEBACKER_QUEUE_TYPE: options.queueType,
    ...options.env,
    ...profilingEnv(options),
  };
}

/**
 * The interface on Azure Storage Queues: an Azurite of the run's own (its CPU counted as
 * the `azurite` role, as RabbitMQ's is for AMQP) and the settings that switch the pipeline
 * and the interface simulator to it.
 */
async function azureInterface(
  cleanup: Cleanup,
  label: string,
  ownSession: boolean,
): Promise<{
  env: Record<string, string>;
  watched: () => WatchedProcess[];
  stop: () => Promise<void>;
}> {
  // A service of the run like the broker: in the Compose layout, a scheduling group of its own.
  const azurite = await Azurite.start({ ownSession });
  const stop = cleanup.add(`azurite ${label}`, () => azurite.stop());
  return {
    stop,
    env: {
      LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
      LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING: azurite.connectionString,
      LINEBACKER_INTERFACE_AZURE_REQUEST_QUEUE: `bench-requests-${label}`,
      LINEBACKER_INTERFACE_AZURE_REPLY_QUEUE: `bench-replies-${label}`,
    },
    watched: () =>
      azurite.pid === undefined ? [] : [{ name: 'azurite', role: 'azurite', pid: azurite.pid }],
  };
}

/** The receivers of a run with `instances` of every worker. */
function receiversOf(options: BenchOptions, instances: number): number {
  return options.receivers > 0 ? options.receivers : instances;
}

async function linebackerE2e(
  cleanup: Cleanup,
  options: BenchOptions,
  instances: number,
  interfaceTransport: InterfaceTransport,
  round: number | undefined,
): Promise<E2eResult> {
  const label = `lb${instances}${interfaceTransport === 'amqp' ? '' : 'az'}`;
  const environment = await openRunEnvironment(cleanup, label);
  let stop: (() => Promise<unknown>) | undefined;
  let azure: Awaited<ReturnType<typeof azureInterface>> | undefined;
  try {
    if (interfaceTransport === 'azure-queue')
      azure = await azureInterface(cleanup, label, options.ownSessions);
    const env = { ...sharedEnv(options), ...azure?.env };
    const stack = await startLinebackerStack(environment, cleanup, {
      workers: instances,
      receivers: receiversOf(options, instances),
      ownSessions: options.ownSessions,
      env,
    });
    stop = stack.stop;
    return await runE2e(
      {
        pipeline: 'linebacker',
        interfaceTransport,
        instances,
        round,
        receiverUrls: stack.receiverUrls,
        table: LINEBACKER_TABLE,
        environment,
        watched: () => [...stack.watched(), ...(azure?.watched() ?? [])],
        stop: stack.stop,
      },
      options,
    );
  } finally {
    // Idempotent: after a successful run the stack is already stopped.
    await stop?.();
    // Its own Azurite goes with the run, not at the end of the bench: later runs' CPU
    // figures must not include an idle emulator.
    await azure?.stop();
    await environment.close();
  }
}

async function leanE2e(
  cleanup: Cleanup,
  options: BenchOptions,
  instances: number,
  round: number | undefined,
): Promise<E2eResult> {
  const environment = await openRunEnvironment(cleanup, `lean${instances}`);
  let stop: (() => Promise<unknown>) | undefined;
  try {
    const stack = await startLeanStack(environment, {
      instances,
      receivers: receiversOf(options, instances),
      ownSessions: options.ownSessions,
      prefetch: options.prefetch,
      poolSize: options.dbPoolSize,
      queueType: options.queueType,
      simulatorEnv: sharedEnv(options),
      profilingEnv: profilingEnv(options),
    });
    let deliveries: Record<string, number> = {};
    const stopLean = cleanup.add('lean stack', async () => {
      deliveries = await stack.stop();
    });
    stop = stopLean;
    return await runE2e(
      {
        pipeline: 'lean',
        interfaceTransport: 'amqp',
        instances,
        round,
        receiverUrls: stack.receiverUrls,
        table: LEAN_TABLE,
        environment,
        watched: stack.watched,
        stop: async () => {
          await stopLean();
          return { deliveries };
        },
      },
      options,
    );
  } finally {
    // Idempotent: after a successful run the stack is already stopped.
    await stop?.();
    await environment.close();
  }
}

const WORKER_APPS: readonly string[] = PIPELINE_WORKER_APPS;

/** linebacker's own processes: the receiver and every worker app. */
const APP_ROLES: readonly string[] = ['http-receiver', ...WORKER_APPS];
/** The roles whose CPU counts toward linebacker's cost per request: its apps and engines. */
const COSTED_ROLES: readonly string[] = [...APP_ROLES, 'rabbitmq', 'postgres'];

/** CPU ms per completed request of the apps, RabbitMQ and PostgreSQL (simulators and bench apart). */
export function costPerRequest(run: Pick<E2eResult, 'cpuMsPerRequestByRole'>): number {
  const sum = COSTED_ROLES.reduce((s, role) => s + (run.cpuMsPerRequestByRole[role] ?? 0), 0);
  return hundredths(sum);
}

/**
 * The targets in force (issue 18's, and issue 7's 200 completed/s), judged on the AMQP runs;
 * a target whose runs were skipped is left out.
 */
export function targets(result: Omit<BenchResult, 'targets'>): BenchResult['targets'] {
  const list: BenchResult['targets'] = [];
  if (result.intake) {
    const rate = result.intake.highestRateP99Under100Ms;
    list.push({
      name: `intake ≥ 2,000 req/s with p99 < ${INTAKE_P99_BOUND_MS} ms`,
      met: rate >= 2000,
      measured: `${rate} req/s`,
    });
  }
  // The targets are the AMQP interface's; an Azurite run is reported beside them.
  const lb = result.e2e.filter(
    (r) => r.pipeline === 'linebacker' && r.interfaceTransport === 'amqp',
  );
  const best = Math.max(0, ...lb.map((r) => r.completionsPerSecond));
  list.push({
    name: 'end to end ≥ 200 completed/s',
    met: best >= 200,
    measured: lb.map((r) => `${instancesLabel(r)}: ${r.completionsPerSecond}/s`).join(', '),
  });
  // With several rounds, each figure is the median of its rounds' (see ./rounds.ts).
  const ones = lb.filter((r) => r.instances === 1);
  if (ones.length > 0) {
    const cost = overRounds(ones.map(costPerRequest), ' ms');
    list.push({
      name: 'CPU per completed request at x1, apps + RabbitMQ + PostgreSQL ≤ 5.0 ms',
      met: cost.value <= 5,
      measured: cost.text,
    });
  }
  const leanAtOne = result.leanRatio.filter((r) => r.instances === 1);
  if (leanAtOne.length > 0) {
    const ratio = overRounds(leanAtOne.map((r) => r.ratio));
    list.push({
      name: 'end to end ≥ 0.9 × the lean pipeline at x1 (same run)',
      met: ratio.value >= 0.9,
      measured: ratio.text,
    });
  }
  const factors = byRound(lb).flatMap((runs) => {
    const one = runs.find((r) => r.instances === 1);
    const two = runs.find((r) => r.instances === 2);
    return one && two ? [two.completionsPerSecond / one.completionsPerSecond] : [];
  });
  if (factors.length > 0) {
    const factor = overRounds(factors);
    list.push({
      name: 'end to end at x2 ≥ 0.9 × x1',
      met: factor.value >= 0.9,
      measured: factor.text,
    });
  }
  const apps = lb.flatMap((r) => r.usage.processes.filter((p) => APP_ROLES.includes(p.role)));
  const peak = Math.max(0, ...apps.map((p) => p.peakRssMb ?? 0));
  list.push({
    name: 'every worker and the receiver < 120 MB RSS',
    met: peak > 0 && peak < 120,
    measured: `largest peak ${peak} MB`,
  });
  return list;
}

/** Runs every phase the options ask for and returns the result (clean-up is the caller's). */
export async function runBenchmark(
  cleanup: Cleanup,
  options: BenchOptions,
  log: (text: string) => void,
): Promise<BenchResult> {
  const startedAt = new Date().toISOString();
  const machine = await machineInfo();
  log(
    `machine: ${machine.cores} cores of ${machine.cpuModel}, load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
  const intakeRuns: IntakeResult[] = [];
  for (const auth of options.intake?.authModes ?? []) {
    const settings = options.intake as NonNullable<BenchOptions['intake']>;
    intakeRuns.push(
      await runIntake(
        cleanup,
        { ...settings, auth, env: { ...sharedEnv(options), ...settings.env } },
        log,
      ),
    );
  }
  const intake = intakeRuns[0];
  const e2e: E2eResult[] = [];
  const describe = (r: E2eResult): string =>
    `${runLabel(r)}: ${r.completed}/${r.accepted} in ${r.spanSeconds} s = ${r.completionsPerSecond}/s, p50 ${r.latencyMs.p50} p99 ${r.latencyMs.p99} ms, ${r.database.commitsPerRequest} commits/req, machine busy ${Math.round(r.usage.machineBusyShare * 100)} %${r.stepsMs ? ` steps ${JSON.stringify(r.stepsMs)}` : ''}`;
  for (let n = 1; n <= options.rounds; n++) {
    const round = options.rounds > 1 ? n : undefined;
    for (const instances of options.instances) {
      for (const transport of options.interfaceTransports) {
        e2e.push(await linebackerE2e(cleanup, options, instances, transport, round));
        log(describe(e2e[e2e.length - 1] as E2eResult));
      }
      if (options.lean) {
        e2e.push(await leanE2e(cleanup, options, instances, round));
        log(describe(e2e[e2e.length - 1] as E2eResult));
      }
    }
  }
  const leanRatio = byRound(e2e).flatMap((runs) =>
    options.instances.flatMap((instances) => {
      const lb = runs.find(
        (r) =>
          r.pipeline === 'linebacker' &&
          r.interfaceTransport === 'amqp' &&
          r.instances === instances,
      );
      const lean = runs.find((r) => r.pipeline === 'lean' && r.instances === instances);
      if (!lb || !lean) return [];
      const ratio = hundredths(
        lb.completionsPerSecond / Math.max(0.001, lean.completionsPerSecond),
      );
      return [
        {
          instances,
          ...(lb.round ? { round: lb.round } : {}),
          linebacker: lb.completionsPerSecond,
          lean: lean.completionsPerSecond,
          ratio,
        },
      ];
    }),
  );
  const partial = {
    schemaVersion: 1 as const,
    startedAt,
    finishedAt: new Date().toISOString(),
    command: options.command,
    machine,
    settings: {
      instances: options.instances,
      rounds: options.rounds,
      receivers: options.receivers,
      ownSessions: options.ownSessions,
      batch: options.batch,
      warmUp: options.warmUp,
      warmUpPerInstance: true,
      postConcurrency: options.postConcurrency,
      postRate: options.postRate,
      prefetch: options.prefetch,
      dbPoolSize: options.dbPoolSize,
      analyzeEverySeconds: options.analyzeEverySeconds,
      queueType: options.queueType,
      interfaceTransports: options.interfaceTransports,
      env: options.env,
    },
    ...(intake ? { intake } : {}),
    ...(intakeRuns.length > 1 ? { intakeByAuth: intakeRuns } : {}),
    e2e,
    leanRatio,
  };
  return { ...partial, targets: targets(partial) };
}
