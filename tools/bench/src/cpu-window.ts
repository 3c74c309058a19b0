import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { cpuTimes, loadAverage, machineCpu, pidsByComm, rssMb, type CpuTimes } from './proc-stats';
import { hundredths } from './rounds';

const NO_TIMES: CpuTimes = { userSeconds: 0, systemSeconds: 0 };

/** A process whose CPU a window measures. */
export interface WatchedProcess {
  /** e.g. `check-allowed#1` or `rabbitmq (beam.smp)`. */
  name: string;
  /** What it is, for grouping: the app, `rabbitmq`, `postgres`, `bench`. */
  role: string;
  pid: number;
  /**
   * The process ran before the bench and outlives it (the broker): its VmHWM is the peak of
   * its whole life, not of the window, so no peak RSS is reported for it.
   */
  outlivesRun?: boolean;
}

/** CPU and memory of one watched process over a window. */
export interface ProcessUsage {
  name: string;
  role: string;
  cpuSeconds: number;
  /**
   * The part of `cpuSeconds` spent in the kernel (system calls, and the loopback network
   * stack a socket write runs on the writer's CPU); the rest ran the process's own code.
   * Absent in results written before it was measured.
   */
  systemCpuSeconds?: number;
  /**
   * Peak RSS (VmHWM) at the end of the window; absent for groups (PostgreSQL) and for a
   * process that outlives the run (the broker), whose VmHWM is its lifetime's.
   */
  peakRssMb?: number;
}

/** What a window measured. */
export interface WindowUsage {
  seconds: number;
  processes: ProcessUsage[];
  /** Busy CPU seconds of the whole machine (all cores) in the window. */
  machineBusySeconds: number;
  /** Busy CPU seconds not used by any watched process: other work on the shared machine. */
  otherBusySeconds: number;
  /** Average busy share of the machine's cores, 0..1. */
  machineBusyShare: number;
  loadBefore: number[];
  loadAfter: number[];
}

/**
 * The Erlang VM of the broker listening on `port` (other brokers may run on the machine);
 * its CPU includes every other user of that broker.
 */
export function brokerProcesses(port = 5672): WatchedProcess[] {
  let pids: number[] = [];
  try {
    const listening = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    pids = [...listening.matchAll(/"beam\.smp",pid=(\d+)/g)].map((m) => Number(m[1]));
  } catch {
    pids = pidsByComm('beam.smp');
  }
  return [...new Set(pids)].map((pid) => ({
    name: 'rabbitmq (beam.smp)',
    role: 'rabbitmq',
    pid,
    outlivesRun: true,
  }));
}

/**
 * Measures CPU seconds of named processes between `start` and `end`. PostgreSQL is given as
 * a function returning the backend pids of the bench database (read at both ends: a pool's
 * connections live through the window) plus every postgres process as a second group.
 */
export class CpuWindow {
  private readonly startCpu = new Map<number, CpuTimes>();
  private startMachine = machineCpu();
  private startedAt = performance.now();
  private loadBefore: number[] = [];

  constructor(
    private readonly processes: () => WatchedProcess[],
    private readonly databaseBackends: () => Promise<number[]>,
  ) {}

  /** Reads every counter at the start of the window. */
  async start(): Promise<void> {
    this.loadBefore = loadAverage();
    const pids = [
      ...this.processes().map((p) => p.pid),
      ...(await this.databaseBackends()),
      ...pidsByComm('postgres'),
      process.pid,
    ];
    for (const pid of pids) this.startCpu.set(pid, cpuTimes(pid) ?? NO_TIMES);
    this.startMachine = machineCpu();
    this.startedAt = performance.now();
  }

  /** CPU used by `pid` since the start (zero for a process gone or not seen at the start). */
  private used(pid: number): CpuTimes {
    const now = cpuTimes(pid) ?? NO_TIMES;
    const start = this.startCpu.get(pid) ?? NO_TIMES;
    return {
      userSeconds: Math.max(0, now.userSeconds - start.userSeconds),
      systemSeconds: Math.max(0, now.systemSeconds - start.systemSeconds),
    };
  }

  /** The usage row of the processes `pids`, summed. */
  private usage(name: string, role: string, pids: number[]): ProcessUsage {
    const times = pids.map((pid) => this.used(pid));
    const system = times.reduce((sum, t) => sum + t.systemSeconds, 0);
    const total = times.reduce((sum, t) => sum + t.userSeconds + t.systemSeconds, 0);
    return { name, role, cpuSeconds: hundredths(total), systemCpuSeconds: hundredths(system) };
  }

  /** Reads every counter at the end; processes must still run (read before stopping them). */
  async end(): Promise<WindowUsage> {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const machine = machineCpu();
    const processes: ProcessUsage[] = this.processes().map((p) => ({
      ...this.usage(p.name, p.role, [p.pid]),
      ...(p.outlivesRun ? {} : { peakRssMb: rssMb(p.pid) }),
    }));
    const backends = await this.databaseBackends();
    processes.push(
      this.usage('postgres (bench database backends)', 'postgres', backends),
      this.usage(
        'postgres (all processes, other users too)',
        'postgres-all',
        pidsByComm('postgres'),
      ),
      {
        ...this.usage('bench (load generator, this process)', 'bench', [process.pid]),
        peakRssMb: rssMb(process.pid),
      },
    );
    const busy = machine.busySeconds - this.startMachine.busySeconds;
    const counted = processes
      .filter((p) => p.role !== 'postgres')
      .reduce((sum, p) => sum + p.cpuSeconds, 0);
    return {
      seconds: hundredths(seconds),
      processes,
      machineBusySeconds: hundredths(busy),
      otherBusySeconds: hundredths(Math.max(0, busy - counted)),
      machineBusyShare: hundredths(busy / Math.max(0.001, seconds) / cpus().length),
      loadBefore: this.loadBefore,
      loadAfter: loadAverage(),
    };
  }
}
