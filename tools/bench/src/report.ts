import type { E2eResult } from './e2e-phase';
import type { ProcessUsage } from './cpu-window';
import { INTAKE_P99_BOUND_MS } from './intake-summary';
import { instancesLabel, runLabel, type BenchResult } from './result';

const table = (head: string[], rows: (string | number)[][]): string =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const load = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' ');

function intakeSection(intake: NonNullable<BenchResult['intake']>): string[] {
  const cpu = (s: (typeof intake.steps)[number], role: string): string =>
    `${Math.round((s.usage.processes.filter((p) => p.role === role).reduce((a, p) => a + p.cpuSeconds, 0) / s.usage.seconds) * 100)}`;
  const rows = intake.steps.map((s) => [
    s.offeredRate,
    s.achievedRate,
    s.latencyMs.p50,
    s.latencyMs.p95,
    s.latencyMs.p99,
    s.latencyMs.max,
    s.errors,
    s.outboxBacklogAfter,
    cpu(s, 'http-receiver'),
    cpu(s, 'rabbitmq'),
    cpu(s, 'postgres'),
    cpu(s, 'bench'),
    Math.round(s.usage.machineBusyShare * 100),
    load(s.usage.loadBefore),
  ]);
  const lines = [
    `### Intake, authentication ${intake.auth ?? 'none'} (${intake.generator})`,
    '',
    table(
      [
        'offered/s',
        'achieved/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'errors',
        'outbox left',
        'receiver %CPU',
        'rabbitmq %CPU',
        'pg backends %CPU',
        'generator %CPU',
        'machine busy %',
        'load before',
      ],
      rows,
    ),
    '',
    `Highest rate up to which every step was sustained with p99 < ${INTAKE_P99_BOUND_MS} ms: **${intake.highestRateP99Under100Ms} req/s**; highest sustained: ${intake.highestSustainedRate} req/s.`,
  ];
  if (intake.closedLoop) {
    const c = intake.closedLoop;
    lines.push(
      `Closed loop (${c.tool}, ${c.connections} connections, ${c.seconds} s): ${Math.round(c.requestsPerSecond)} req/s, p50 ${c.latencyMs.p50} ms, p99 ${c.latencyMs.p99} ms, errors ${c.errors}.`,
    );
  }
  return [...lines, ''];
}

/** The kernel's share of a process's CPU in percent ('' in results from before it was kept). */
function kernelShare(p: ProcessUsage): number | string {
  if (p.systemCpuSeconds === undefined || p.cpuSeconds <= 0) return '';
  return Math.round((p.systemCpuSeconds / p.cpuSeconds) * 100);
}

function processRows(run: E2eResult): (string | number)[][] {
  const n = Math.max(1, run.completed);
  return run.usage.processes.map((p) => [
    runLabel(run),
    p.name,
    p.cpuSeconds,
    Math.round((p.cpuSeconds * 1000 * 100) / n) / 100,
    kernelShare(p),
    p.peakRssMb ?? '',
  ]);
}

/** How the run kept the measured database's statistics (none in results before the option). */
const analyzeNote = (seconds: number | undefined): string =>
  seconds ? `ANALYZE every ${seconds} s` : 'never analyzed';
const roundsNote = (rounds: number | undefined): string =>
  rounds && rounds > 1 ? `${rounds} rounds of end-to-end runs (targets on their medians), ` : '';
/** The warm-up before each window (per run in results from before it counted per instance). */
export const warmUpNote = (
  settings: Pick<BenchResult['settings'], 'warmUp' | 'warmUpPerInstance'>,
): string => {
  if (!settings.warmUp) return 'no warm-up';
  return settings.warmUpPerInstance
    ? `warm-up ${settings.warmUp} requests per instance, then VACUUM`
    : `warm-up ${settings.warmUp} requests per run`;
};
/** How the end-to-end batches were posted. */
export const postNote = (
  settings: Pick<BenchResult['settings'], 'postRate' | 'postConcurrency'>,
): string =>
  `${settings.postRate ? `posted at ${settings.postRate}/s with at most` : 'posted with'} ${settings.postConcurrency} in flight`;

/** With `--perf`: each run's lines of what its processes' on-CPU samples were charged to. */
export function onCpuSection(
  runs: Pick<
    E2eResult,
    'pipeline' | 'interfaceTransport' | 'instances' | 'round' | 'onCpuSamples'
  >[],
): string[] {
  if (!runs.some((run) => run.onCpuSamples)) return [];
  return [
    '',
    '### On-CPU samples per process (perf)',
    '',
    'Each sample is charged to the innermost JavaScript frame of its stack (the V8 and kernel ' +
      'work that code called included), else to GC, the compiler, or the kernel or native code ' +
      'with no JavaScript above it. The recording itself costs CPU: compare shares, not the ' +
      'figures above.',
    ...runs.flatMap((run) => [
      '',
      `${runLabel(run)}:`,
      ...(run.onCpuSamples ?? []).map((line) => `- ${line}`),
    ]),
  ];
}

type RunLabelled = Pick<E2eResult, 'pipeline' | 'interfaceTransport' | 'instances' | 'round'>;

/** One row per run and `app kind` key of `figures(run)`: the run, the app, the kind, `cells`. */
function appKindRows<R extends RunLabelled, V>(
  runs: R[],
  figures: (run: R) => Record<string, V> | undefined,
  cells: (value: V) => (string | number)[],
): (string | number)[][] {
  return runs.flatMap((run) =>
    Object.entries(figures(run) ?? {}).map(([key, value]) => {
      const [app = key, kind = ''] = key.split(' ');
      return [runLabel(run), app, kind, ...cells(value)];
    }),
  );
}

/** The group-commit batches and relay takes of each linebacker run, by app and kind. */
export function batchSection(runs: (RunLabelled & Pick<E2eResult, 'batchSizes'>)[]): string[] {
  const rows = appKindRows(
    runs,
    (run) => run.batchSizes,
    ({ batches, mean }) => [batches, mean],
  );
  if (rows.length === 0) return [];
  return [
    '',
    '### Group-commit batches and relay takes (warm-up included)',
    '',
    'Calls per batch of creates, status changes, reads and send claims, and outbox rows per ' +
      'relay take (empty takes included), from `linebacker_db_batch_size` over all instances ' +
      'of each app.',
    '',
    table(['run', 'app', 'kind', 'batches or takes', 'mean size'], rows),
  ];
}

/** The garbage collection of each linebacker run's apps, by app and kind, in seconds. */
export function gcSection(runs: (RunLabelled & Pick<E2eResult, 'gcSeconds'>)[]): string[] {
  const rows = appKindRows(
    runs,
    (run) => run.gcSeconds,
    (seconds) => [seconds],
  );
  if (rows.length === 0) return [];
  return [
    '',
    "### Garbage collection (the processes' whole lives)",
    '',
    table(['run', 'app', 'kind', 'seconds'], rows),
  ];
}

/** Receivers per run, sessions, and whether the kernel shares CPU time between sessions. */
function layoutNote(result: BenchResult): string {
  const { receivers = 1, ownSessions = false } = result.settings;
  const autogroup = result.machine.schedAutogroup;
  return [
    receivers === 0 ? 'receivers as many as the instances' : `${receivers} receiver(s) per run`,
    ownSessions ? 'every process in its own session' : "every process in the bench's session",
    autogroup === undefined ? 'autogroup unknown' : `autogroup ${autogroup ? 'on' : 'off'}`,
  ].join(', ');
}

/** The run as markdown: the tables docs/benchmarks.md quotes. */
export function renderSummary(result: BenchResult): string {
  const e2eRows = result.e2e.map((r) => [
    r.pipeline,
    r.interfaceTransport === 'azure-queue' ? 'Azure queues (Azurite)' : 'AMQP',
    r.instances,
    r.receivers ?? 1,
    `${r.completed}/${r.accepted}`,
    r.postSeconds,
    r.spanSeconds,
    r.completionsPerSecond,
    r.latencyMs.p50,
    r.latencyMs.p99,
    r.database.commitsPerRequest,
    r.messages.perRequest,
    Math.round(r.usage.machineBusyShare * 100),
    r.usage.otherBusySeconds,
    `${load(r.usage.loadBefore)} → ${load(r.usage.loadAfter)}`,
  ]);
  return [
    `## bench ${result.startedAt} (${result.machine.cores} cores of ${result.machine.cpuModel}, Node ${result.machine.node}, PostgreSQL ${result.machine.postgres}, RabbitMQ ${result.machine.rabbitmq})`,
    '',
    `Command: \`${result.command}\`; ${roundsNote(result.settings.rounds)}${warmUpNote(result.settings)}, ${postNote(result.settings)}, prefetch ${result.settings.prefetch}, pool ${result.settings.dbPoolSize}, ${result.settings.queueType} queues, ${analyzeNote(result.settings.analyzeEverySeconds)}, ${layoutNote(result)}, extra env ${JSON.stringify(result.settings.env)}`,
    '',
    ...(result.intakeByAuth ?? (result.intake ? [result.intake] : [])).flatMap(intakeSection),
    '### End to end',
    '',
    table(
      [
        'pipeline',
        'interface',
        'instances',
        'receivers',
        'completed',
        'post s',
        'span s',
        'completed/s',
        'p50 ms',
        'p99 ms',
        'commits/req',
        'deliveries/req',
        'machine busy %',
        'other CPU s',
        'load',
      ],
      e2eRows,
    ),
    '',
    result.leanRatio
      .map(
        (r) =>
          `linebacker/lean at ${instancesLabel(r)}: ${r.linebacker} / ${r.lean} = **${r.ratio}**`,
      )
      .join('; '),
    '',
    '### CPU and memory per process (end-to-end window)',
    '',
    table(
      ['run', 'process', 'CPU s', 'CPU ms/req', 'kernel %', 'peak RSS MB'],
      result.e2e.flatMap(processRows),
    ),
    '',
    '### Targets',
    '',
    table(
      ['target', 'met', 'measured'],
      result.targets.map((t) => [t.name, t.met ? 'yes' : '**no**', t.measured]),
    ),
    ...batchSection(result.e2e),
    ...gcSection(result.e2e),
    ...onCpuSection(result.e2e),
  ].join('\n');
}
