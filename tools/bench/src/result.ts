import type { E2eResult } from './e2e-phase';
import type { IntakeResult } from './intake-phase';

/** The machine and software a run measured on. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  postgres: string;
  rabbitmq: string;
  /**
   * `kernel.sched_autogroup_enabled`: the kernel shares CPU time between sessions first
   * (undefined: no such setting, or an older result).
   */
  schedAutogroup?: boolean;
}

/** The whole machine-readable result of one `npm run bench`. */
export interface BenchResult {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: MachineInfo;
  settings: {
    instances: number[];
    /**
     * HTTP receivers per end-to-end run, 0 for as many as the run's worker instances. Absent
     * in older results: one receiver in every run.
     */
    receivers?: number;
    /** Every process of an end-to-end run in a session of its own (absent in older results: no). */
    ownSessions?: boolean;
    batch: number;
    /** Absent in results from before 6 December: no warm-up (fresh processes in the window). */
    warmUp?: number;
    /**
     * True since 7 December, afternoon: `warmUp` counts per instance of the apps, and a VACUUM
     * follows it. Absent: `warmUp` is the requests of each run, whatever its instance count.
     */
    warmUpPerInstance?: boolean;
    /** Times the end-to-end runs were made, alternating (absent in older results: once). */
    rounds?: number;
    postConcurrency: number;
    /** Requests posted per second, open loop (absent in older results, and 0: unpaced). */
    postRate?: number;
    prefetch: number;
    dbPoolSize: number;
    /** Absent in results from before 6 December: never (this machine runs no autovacuum). */
    analyzeEverySeconds?: number;
    queueType: string;
    /** Absent in results from before the Azure interface was measured: AMQP only. */
    interfaceTransports?: string[];
    env: Record<string, string>;
  };
  intake?: IntakeResult;
  /** Every intake run when more than one authentication mode was measured. */
  intakeByAuth?: IntakeResult[];
  e2e: E2eResult[];
  /** linebacker completions/s ÷ lean completions/s at the same instance count, same run. */
  leanRatio: {
    instances: number;
    /** With `--rounds` above 1: the round of both runs. */
    round?: number;
    linebacker: number;
    lean: number;
    ratio: number;
  }[];
  targets: { name: string; met: boolean; measured: string }[];
}

/** `x2`, and with `--rounds` `x2 #3`: a run's instance count and round. */
export function instancesLabel(run: { instances: number; round?: number }): string {
  return `x${run.instances}${run.round ? ` #${run.round}` : ''}`;
}

/**
 * `linebacker x1`, `linebacker (Azurite) x1`, `lean x1`, and with `--rounds` `lean x1 #2`:
 * one end-to-end run's name.
 */
export function runLabel(
  run: Pick<E2eResult, 'pipeline' | 'interfaceTransport' | 'instances' | 'round'>,
) {
  const via = run.interfaceTransport === 'azure-queue' ? ' (Azurite)' : '';
  return `${run.pipeline}${via} ${instancesLabel(run)}`;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Every way `value` falls short of a BenchResult with a figure for each phase it ran. */
export function resultProblems(value: unknown): string[] {
  const problems: string[] = [];
  const r = value as Partial<BenchResult> | null;
  if (!r || typeof r !== 'object') return ['not an object'];
  if (r.schemaVersion !== 1) problems.push('schemaVersion is not 1');
  if (!r.machine || !isNumber(r.machine.cores)) problems.push('machine.cores missing');
  if (r.intake) {
    if (r.intake.steps.length === 0) problems.push('intake has no steps');
    for (const step of r.intake.steps) {
      if (!isNumber(step.achievedRate) || !isNumber(step.latencyMs.p99))
        problems.push(`intake step ${step.offeredRate}: figures missing`);
      if (step.usage.processes.length === 0)
        problems.push(`intake step ${step.offeredRate}: no CPU figures`);
    }
  }
  if (!Array.isArray(r.e2e) || r.e2e.length === 0) problems.push('no end-to-end result');
  for (const run of r.e2e ?? []) {
    const label = runLabel(run);
    if (!isNumber(run.completionsPerSecond) || run.completionsPerSecond <= 0)
      problems.push(`${label}: no completion rate`);
    if (run.completed !== run.accepted)
      problems.push(`${label}: ${run.completed} of ${run.accepted} completed`);
    if (!isNumber(run.latencyMs.p99)) problems.push(`${label}: no latency`);
    if (!isNumber(run.database.commitsPerRequest)) problems.push(`${label}: no transaction count`);
    if (!isNumber(run.messages.perRequest)) problems.push(`${label}: no message count`);
    if (!run.usage.processes.some((p) => isNumber(p.peakRssMb)))
      problems.push(`${label}: no RSS figures`);
  }
  if (!Array.isArray(r.leanRatio)) problems.push('leanRatio missing');
  if (!Array.isArray(r.targets)) problems.push('targets missing');
  return problems;
}
