import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { Cleanup } from './cleanup';
import { runEmbeddedBench } from './embedded-bench';
import { runLeanRole } from './lean/lean-role';
import { LEAN_ROLES, type LeanRole } from './lean/lean-topology';
import { summarizeAllocProfiles } from './alloc-profile';
import { summarizeCpuProfiles } from './cpu-profile';
import { PERF_NODE_OPTION, perfUnavailable } from './perf-samples';
import { renderSummary } from './report';
import { resultProblems } from './result';
import { runBenchmark, type BenchOptions } from './run-benchmark';
import { INTERFACE_TRANSPORTS } from '@linebacker/simulators';
import { WORKSPACE_ROOT } from '@linebacker/testing';

const list = (raw: string): number[] => {
  const values = raw.split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new InvalidArgumentError('a comma-separated list of positive integers');
  return values;
};
/** A parser of integers of at least `min` for commander, named `what` in its error. */
const integerFrom =
  (min: number, what: string) =>
  (raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(what);
    return value;
  };
const positive = integerFrom(1, 'a positive integer');
const nonNegative = integerFrom(0, 'a non-negative integer');
const envPair = (raw: string, previous: Record<string, string>): Record<string, string> => {
  const at = raw.indexOf('=');
  if (at < 1 || !raw.startsWith('LINEBACKER_'))
    throw new InvalidArgumentError('LINEBACKER_KEY=value');
  return { ...previous, [raw.slice(0, at)]: raw.slice(at + 1) };
};

const program = new Command('bench')
  .description(
    'Benchmarks linebacker on the local RabbitMQ and PostgreSQL: every app as its own process, ' +
      'simulators answering at once. Phases: intake (open-loop fixed rates on the receiver alone), ' +
      'end to end (a fixed batch until every request is terminal, per instance count, with CPU, ' +
      'RSS, transactions and messages per request), and the same batch through a lean hand-written ' +
      'pipeline of the same stages in the same run. Uses its own databases and broker namespaces ' +
      'and removes them at the end, also on failure or Ctrl-C.',
  )
  .option(
    '--instances <list>',
    'instances of every worker app, one end-to-end run each',
    list,
    [1, 2],
  )
  .option(
    '--receivers <n>',
    'HTTP receivers of every end-to-end run, both pipelines, the posting clients spread ' +
      "evenly over them (0: as many as the run's worker instances)",
    nonNegative,
    0,
  )
  .option(
    '--no-own-sessions',
    "start every process of an end-to-end run in the bench's session, not each in its own: " +
      'where the kernel shares CPU time by session first (kernel.sched_autogroup_enabled), ' +
      'all the apps then share one group, as under one PM2 daemon, while the broker and the ' +
      'database have one each',
  )
  .option(
    '--rounds <n>',
    'times the end-to-end runs are made, the instance counts alternating within each ' +
      "round; the targets that compare runs take the median of the rounds' figures",
    positive,
    1,
  )
  .option('--batch <n>', 'requests per end-to-end run', positive, 20_000)
  .option(
    '--warm-up <n>',
    'requests per app instance posted and settled before each end-to-end window opens, then ' +
      'a VACUUM, so that the window measures the apps once V8 has compiled their code (0: ' +
      'freshly started processes; see docs/benchmarks.md)',
    nonNegative,
    10_000,
  )
  .option('--rates <list>', 'intake rates (req/s) always measured', list, [100, 250, 500, 1000])
  .option(
    '--step-up-by <n>',
    'after the listed rates, add this much per step while sustained',
    positive,
    500,
  )
  .option('--max-rate <n>', 'highest intake rate tried', positive, 5000)
  .option('--step-seconds <n>', 'seconds per intake step', positive, 10)
  .option(
    '--post-concurrency <n>',
    'POSTs in flight while posting an end-to-end batch',
    positive,
    32,
  )
  .option(
    '--post-rate <n>',
    'requests per second posted in an end-to-end batch, open loop (0: as fast as the POSTs in flight allow)',
    nonNegative,
    0,
  )
  .option('--timeout-seconds <n>', 'longest wait for a batch to become terminal', positive, 600)
  .option(
    '--prefetch <n>',
    'consumer prefetch of both pipelines (linebacker default 50)',
    positive,
    50,
  )
  .option(
    '--db-pool-size <n>',
    'connections per process of both pipelines (linebacker default 5)',
    positive,
    5,
  )
  .option(
    '--analyze-every <seconds>',
    'ANALYZE the measured database this often during an end-to-end run, as autovacuum would ' +
      '(0: never, to measure a server with autovacuum off)',
    nonNegative,
    10,
  )
  .option('--queue-type <type>', 'quorum (linebacker default) or classic, both pipelines', 'quorum')
  .option(
    '--interface-transports <list>',
    'interface transports of the linebacker end-to-end runs, one run each: amqp, azure-queue ' +
      '(an Azurite the bench starts), e.g. amqp,azure-queue',
    (raw: string) => raw.split(','),
    ['amqp'],
  )
  .option(
    '--env <KEY=value>',
    'extra LINEBACKER_* setting for every linebacker process (repeatable)',
    envPair,
    {},
  )
  .option(
    '--intake-auth <list>',
    'authentication of the intake runs, one run each: none, jwt (e.g. none,jwt)',
    (raw: string) => raw.split(','),
    ['none'],
  )
  .option('--no-intake', 'skip the intake phase')
  .option('--no-lean', 'skip the lean pipeline')
  .option('--no-autocannon', 'skip the closed-loop autocannon maximum after the intake steps')
  .option('--quick', 'a short run: batch 2,000, no warm-up, 3 s steps, intake up to 2,000 req/s')
  .option(
    '--cpu-profile <dir>',
    'write a V8 CPU profile of every process both pipelines start into <dir> (open one in ' +
      'Chrome DevTools) and print where each spent its busy time',
  )
  .option(
    '--alloc-profile <dir>',
    'sample the allocations (garbage included) of every process both pipelines start into ' +
      '<dir> and print how many MB each allocated over its life, and by whom',
  )
  .option(
    '--perf <dir>',
    'record on-CPU samples of the whole machine during each end-to-end run with Linux perf ' +
      '(root, or kernel.perf_event_paranoid -1) into <dir>, and print what each process spent ' +
      'its CPU on: its own JavaScript by package, V8 (GC, compiler), the kernel',
  )
  .option('--output <path>', 'result file (JSON)', 'tools/bench/results/latest.json')
  .addHelpText(
    'after',
    '\nExample: npm run bench -- --quick --instances 1 --output /tmp/bench.json',
  );

interface CliOptions {
  instances: number[];
  rounds: number;
  receivers: number;
  ownSessions: boolean;
  batch: number;
  warmUp: number;
  rates: number[];
  stepUpBy: number;
  maxRate: number;
  stepSeconds: number;
  postConcurrency: number;
  postRate: number;
  timeoutSeconds: number;
  prefetch: number;
  dbPoolSize: number;
  analyzeEvery: number;
  queueType: string;
  interfaceTransports: string[];
  env: Record<string, string>;
  intake: boolean;
  lean: boolean;
  autocannon: boolean;
  intakeAuth: string[];
  quick?: boolean;
  cpuProfile?: string;
  allocProfile?: string;
  perf?: string;
  output: string;
}

function benchOptions(cli: CliOptions, given: (name: string) => boolean): BenchOptions {
  const quick = cli.quick === true;
  const pick = <T>(name: string, value: T, quickValue: T): T =>
    quick && !given(name) ? quickValue : value;
  if (cli.queueType !== 'quorum' && cli.queueType !== 'classic')
    throw new Error('--queue-type: quorum or classic');
  const transports = cli.interfaceTransports.map((raw) => {
    const transport = INTERFACE_TRANSPORTS.find((known) => known === raw);
    if (transport === undefined)
      throw new Error(`--interface-transports: one or more of ${INTERFACE_TRANSPORTS.join(', ')}`);
    return transport;
  });
  return {
    instances: cli.instances,
    rounds: cli.rounds,
    receivers: cli.receivers,
    ownSessions: cli.ownSessions,
    batch: pick('batch', cli.batch, 2000),
    warmUp: pick('warmUp', cli.warmUp, 0),
    postConcurrency: cli.postConcurrency,
    postRate: cli.postRate,
    timeoutSeconds: cli.timeoutSeconds,
    prefetch: cli.prefetch,
    dbPoolSize: cli.dbPoolSize,
    analyzeEverySeconds: cli.analyzeEvery,
    queueType: cli.queueType,
    interfaceTransports: transports,
    lean: cli.lean,
    env: cli.env,
    cpuProfileDir:
      cli.cpuProfile === undefined ? undefined : resolve(WORKSPACE_ROOT, cli.cpuProfile),
    allocProfileDir:
      cli.allocProfile === undefined ? undefined : resolve(WORKSPACE_ROOT, cli.allocProfile),
    perfDir: cli.perf === undefined ? undefined : resolve(WORKSPACE_ROOT, cli.perf),
    intake: cli.intake
      ? {
          rates: cli.rates,
          stepUpBy: cli.stepUpBy,
          maxRate: pick('maxRate', cli.maxRate, 2000),
          stepSeconds: pick('stepSeconds', cli.stepSeconds, 3),
          autocannon: cli.autocannon,
          env: {},
          authModes: cli.intakeAuth.map((mode) => {
            if (mode !== 'none' && mode !== 'jwt') throw new Error('--intake-auth: none or jwt');
            return mode;
          }),
        }
      : undefined,
    command: ['npm run bench --', ...process.argv.slice(2)].join(' '),
  };
}

async function main(): Promise<number> {
  program.parse();
  const cli = program.opts<CliOptions>();
  const options = benchOptions(cli, (name) => program.getOptionValueSource(name) === 'cli');
  const output = resolve(WORKSPACE_ROOT, cli.output);
  if (options.perfDir) {
    const unavailable = perfUnavailable();
    if (unavailable) {
      process.stderr.write(`--perf: ${unavailable}\n`);
      return 2;
    }
    mkdirSync(options.perfDir, { recursive: true });
    // Every process the bench starts inherits this: V8 names its compiled JavaScript for perf.
    process.env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} ${PERF_NODE_OPTION}`.trim();
  }
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const log = (text: string): void =>
    void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
  try {
    const result = await runBenchmark(cleanup, options, log);
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${renderSummary(result)}\n`);
    // The processes wrote their profiles as they exited, at the end of each run.
    if (options.cpuProfileDir)
      process.stdout.write(
        `\n### Busy time per process (CPU profiles in ${options.cpuProfileDir})\n\n` +
          'Wall-clock samples: a frame that wakes another process (a socket write) also holds the ' +
          'time the process waited while the woken one ran. The kernel % column above is what ' +
          'the kernel really cost.\n\n' +
          summarizeCpuProfiles(options.cpuProfileDir)
            .map((line) => `- ${line}`)
            .join('\n') +
          '\n',
      );
    if (options.allocProfileDir)
      process.stdout.write(
        `\n### Allocations per process (sampled, in ${options.allocProfileDir})\n\n` +
          'Every byte each process allocated from its start to its exit, collected or not, ' +
          'charged to the innermost frame (start-up and, for the receiver, the intake phase ' +
          'included): divide by the requests its run handled for bytes per request.\n\n' +
          summarizeAllocProfiles(options.allocProfileDir)
            .map((line) => `- ${line}`)
            .join('\n') +
          '\n',
      );
    const problems = resultProblems(result);
    for (const problem of problems) log(`result problem: ${problem}`);
    if (options.perfDir) log(`perf recordings in ${options.perfDir}`);
    log(`result written to ${output}`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await cleanup.runAll();
  }
}

const embedded = new Command('bench embedded')
  .description(
    "Measures the README's first command: the embedded mode (one process, PGlite, in-memory " +
      'bus, simulators) takes a batch from concurrent clients; reports intake and completed ' +
      'requests per second, CPU per request and peak RSS.',
  )
  .option('--batch <n>', 'requests posted', positive, 2000)
  .option('--clients <n>', 'concurrent clients', positive, 32)
  .option('--reply-delay-ms <n>', "the simulated interface's reply delay", positive, 300)
  .option('--output <path>', 'result file (JSON)', 'tools/bench/results/embedded-latest.json');

async function mainEmbedded(): Promise<number> {
  embedded.parse(process.argv.slice(1));
  const cli = embedded.opts<{
    batch: number;
    clients: number;
    replyDelayMs: number;
    output: string;
  }>();
  const log = (text: string): void =>
    void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
  const result = await runEmbeddedBench({ ...cli, log });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.errors === 0 ? 0 : 1;
}

const role = process.argv[2] === 'lean-stage' ? process.argv[3] : undefined;
if (process.argv[2] === 'embedded') {
  mainEmbedded().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`bench embedded failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
} else if (role !== undefined) {
  if (!(LEAN_ROLES as readonly string[]).includes(role))
    throw new Error(`unknown lean role ${role}`);
  runLeanRole(role as LeanRole).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
} else {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
