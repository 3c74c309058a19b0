import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { WORKSPACE_ROOT } from '@linebacker/testing';
import { formatReport } from './format-report';
import { runChaos, runCleanups, type PlantedBug } from './run-chaos';
import { CLUSTER_FAULT_KINDS, FAULT_KINDS, parseFaultKinds } from './schedule';

const integer = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`an integer >= ${min}`);
  return n;
};
const range = (value: string): [number, number] => {
  const [a, b] = value.split('-').map(Number);
  if (
    !Number.isInteger(a) ||
    !Number.isInteger(b) ||
    (a as number) < 100 ||
    (b as number) < (a as number)
  ) {
    throw new InvalidArgumentError('MIN-MAX in ms, e.g. 2000-5000');
  }
  return [a as number, b as number];
};

const program = new Command()
  .name('chaos')
  .description(
    'Jepsen-style chaos run of the whole pipeline on a private PostgreSQL and RabbitMQ: a workload\n' +
      'posts requests and records every answer, a nemesis injects seeded faults, then every fault\n' +
      'is healed, the pipeline drains and a checker reports what SPEC §5 promises (lost, phantom,\n' +
      'illegal transitions, duplicate Backups, missing notifications, interface duplicates,\n' +
      'leftover messages, time to terminal, self-crashes). Exits 1 on any violation.',
  )
  .option('--seed <n>', 'seed of the fault schedule, the workload and the restarts', integer(0), 42)
  .option('--requests <n>', 'requests to post', integer(1), 2000)
  .option('--rate <n>', 'requests per second', integer(1), 10)
  .option(
    '--faults <kinds>',
    `comma-separated fault kinds, "all" or "none" (${FAULT_KINDS.join(', ')})`,
    'all',
  )
  .option('--fault-interval <ms>', 'gap between fault starts, MIN-MAX ms', range, [2000, 5000] as [
    number,
    number,
  ])
  .option(
    '--cover-kinds',
    'inject every chosen kind at least once, posting on until the last has started (refused if the schedule cannot fit them)',
  )
  .option(
    '--cluster <n>',
    `run on a private RabbitMQ cluster of n nodes (3 or more); "all" then means every kind but broker-restart and broker-kill, plus the node faults (${CLUSTER_FAULT_KINDS.join(', ')})`,
    integer(3),
  )
  .option('--instances <n>', 'instances of every pipeline app', integer(2), 2)
  .option(
    '--drain-timeout <ms>',
    'how long heal-and-drain waits for every request to end',
    integer(1000),
    180_000,
  )
  .option(
    '--request-timeout <ms>',
    'a call without an answer after this long is a timeout',
    integer(100),
    10_000,
  )
  .option('--plant <bug>', 'plant a bug the checker must catch: none or no-recovery', 'none')
  .option(
    '--out <dir>',
    'where history.jsonl and report.json go',
    join(WORKSPACE_ROOT, 'tmp', 'chaos'),
  )
  .addHelpText(
    'after',
    '\nExample: npm run chaos -- --seed 42 --requests 2000\n' +
      '         npm run chaos -- --cluster 3 --seed 42 --requests 2000 --cover-kinds\n' +
      'Same seed, same schedule: a failing run is replayed with its seed.',
  );

async function main(): Promise<number> {
  program.parse();
  const opts = program.opts<{
    seed: number;
    requests: number;
    rate: number;
    faults: string;
    coverKinds?: boolean;
    cluster?: number;
    faultInterval: [number, number];
    instances: number;
    drainTimeout: number;
    requestTimeout: number;
    plant: string;
    out: string;
  }>();
  if (opts.plant !== 'none' && opts.plant !== 'no-recovery') {
    throw new InvalidArgumentError(`--plant must be none or no-recovery, not ${opts.plant}`);
  }
  const t0 = Date.now();
  const log = (message: string) =>
    console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}`);
  const interrupt = (signal: string) => {
    log(`${signal}: tearing down`);
    void runCleanups(log).finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));
  // A harness bug must not leave a private broker, database and a dozen processes behind.
  const crash = (error: unknown) => {
    console.error('chaos harness failed:', error);
    void runCleanups(log).finally(() => process.exit(2));
  };
  process.once('uncaughtException', crash);
  process.once('unhandledRejection', crash);
  const result = await runChaos({
    seed: opts.seed,
    requests: opts.requests,
    ratePerSecond: opts.rate,
    faults: parseFaultKinds(opts.faults, opts.cluster !== undefined),
    clusterNodes: opts.cluster ?? 1,
    faultIntervalMs: opts.faultInterval,
    coverKinds: opts.coverKinds === true,
    instances: opts.instances,
    drainTimeoutMs: opts.drainTimeout,
    requestTimeoutMs: opts.requestTimeout,
    outDir: opts.out,
    plant: opts.plant as PlantedBug,
    log,
  });
  console.log(formatReport(result.report, opts.seed, result.durationMs));
  console.log(`history: ${result.historyFile}\nreport: ${result.reportFile}`);
  return result.report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(2);
  },
);
