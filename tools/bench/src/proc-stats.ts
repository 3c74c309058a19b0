import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (100 on every common Linux). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** CPU seconds a process has used, in user space and in the kernel on its behalf. */
export interface CpuTimes {
  userSeconds: number;
  systemSeconds: number;
}

/** The user and system CPU times of a `/proc/<pid>/stat` line, with `ticksPerSecond`. */
export function parseCpuTimes(stat: string, ticksPerSecond: number): CpuTimes | undefined {
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isFinite(user) || !Number.isFinite(system)) return undefined;
  return { userSeconds: user / ticksPerSecond, systemSeconds: system / ticksPerSecond };
}

/** User and system CPU seconds a process has used so far (undefined once it is gone). */
export function cpuTimes(pid: number): CpuTimes | undefined {
  const stat = read(`/proc/${pid}/stat`);
  return stat ? parseCpuTimes(stat, CLK_TCK) : undefined;
}

/** User plus system CPU seconds a process has used so far (undefined once it is gone). */
export function cpuSeconds(pid: number): number | undefined {
  const times = cpuTimes(pid);
  return times ? times.userSeconds + times.systemSeconds : undefined;
}

/** Peak resident set size (VmHWM) in MB, or the current one (VmRSS) with `current`. */
export function rssMb(pid: number, current = false): number | undefined {
  const status = read(`/proc/${pid}/status`);
  const match = status?.match(current ? /VmRSS:\s+(\d+) kB/ : /VmHWM:\s+(\d+) kB/);
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : undefined;
}

/** Every process whose command name (/proc/<pid>/comm) is `comm`. */
export function pidsByComm(comm: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => read(`/proc/${pid}/comm`)?.trim() === comm);
}

/** Busy and total CPU seconds of the whole machine since boot (all cores). */
export function machineCpu(): { busySeconds: number; totalSeconds: number } {
  const line = read('/proc/stat')?.split('\n')[0] ?? 'cpu 0';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busySeconds: (total - idle) / CLK_TCK, totalSeconds: total / CLK_TCK };
}

/** The 1, 5 and 15 minute load averages. */
export function loadAverage(): number[] {
  return (read('/proc/loadavg') ?? '0 0 0').split(' ').slice(0, 3).map(Number);
}
