import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { chargedTo } from './cpu-profile';

/*
 * On-CPU attribution with Linux perf. A V8 CPU profile samples wall-clock time: a process
 * preempted after a socket write, while the process it woke runs, is charged to that write.
 * perf samples what each CPU really runs, kernel included, for every process at once; with
 * `--perf-basic-prof` Node names its JIT-compiled JavaScript in /tmp/perf-<pid>.map, so a
 * sample's stack shows which package's JavaScript, or which V8 or kernel work it called,
 * used the CPU.
 */

/** Sampling frequency per CPU: high enough for a 1 % share in a minute, cheap to record. */
export const PERF_FREQUENCY_HZ = 499;

/** The Node option that makes V8 write the JIT symbol map perf reads. */
export const PERF_NODE_OPTION = '--perf-basic-prof';

/** One frame of a sample's call chain, innermost first. */
export interface PerfFrame {
  symbol: string;
  /** The binary or map the address lies in: `[kernel.kallsyms]`, `/usr/bin/node`, `/tmp/perf-1.map`. */
  dso: string;
}

/** One sample: the process (thread group) it hit, and its stack. */
export interface PerfSample {
  pid: number;
  frames: PerfFrame[];
}

/** Why `perf` cannot record here, or undefined when it can. */
export function perfUnavailable(): string | undefined {
  const probe = spawnSync('perf', ['record', '-q', '-a', '-o', '/dev/null', '--', 'true'], {
    encoding: 'utf8',
  });
  if (probe.error)
    return `perf is not installed (${probe.error.message}); Debian: apt install linux-perf`;
  if (probe.status !== 0)
    return `perf cannot record every CPU (exit ${String(probe.status)}): run as root or set kernel.perf_event_paranoid to -1; ${probe.stderr.trim().split('\n').pop() ?? ''}`;
  return undefined;
}

/** A system-wide `perf record` with call chains, writing `file`, until {@link PerfRecording.stop}. */
export interface PerfRecording {
  stop(): Promise<void>;
}

export function startPerfRecord(file: string): PerfRecording {
  const child: ChildProcess = spawn(
    'perf',
    ['record', '-q', '-a', '-g', '-F', String(PERF_FREQUENCY_HZ), '-o', file],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  // A spawn error rejects `exited`; stop() reports it, and until then it is not unhandled.
  exited.catch(() => undefined);
  // A system-wide recording must not outlive the bench, whatever ends it.
  const stopOnExit = (): void => void child.kill('SIGINT');
  process.once('exit', stopOnExit);
  return {
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      // perf writes its file on SIGINT, as on Ctrl-C; one that ended early says why below.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const [code] = await exited;
      if (code !== 0 && code !== null)
        throw new Error(`perf record exited ${code}: ${stderr.trim()}`);
    },
  };
}

const HEADER = /^\s*(\d+)\s*$/;
const FRAME = /^\s+[0-9a-f]+ (.*) \((.*)\)\s*$/;

/**
 * Reads `perf script -F pid,ip,sym,dso` output (with call chains) line by line and hands each
 * sample on once its last frame is read: a long window's text runs to hundreds of megabytes,
 * more than one string may hold.
 */
export class PerfScriptReader {
  private current: PerfSample | undefined;

  constructor(private readonly onSample: (sample: PerfSample) => void) {}

  line(text: string): void {
    const header = HEADER.exec(text);
    if (header) {
      this.end();
      this.current = { pid: Number(header[1]), frames: [] };
      return;
    }
    const frame = FRAME.exec(text);
    if (frame && this.current)
      this.current.frames.push({ symbol: frame[1] ?? '', dso: frame[2] ?? '' });
  }

  /** Hands on the sample being read, if any. */
  end(): void {
    if (this.current) this.onSample(this.current);
    this.current = undefined;
  }
}

/** Parses the whole text of a `perf script` output. */
export function parsePerfScript(text: string): PerfSample[] {
  const samples: PerfSample[] = [];
  const reader = new PerfScriptReader((sample) => samples.push(sample));
  for (const line of text.split('\n')) reader.line(line);
  reader.end();
  return samples;
}

const isKernel = (frame: PerfFrame): boolean => frame.dso === '[kernel.kallsyms]';
const isJavaScript = (frame: PerfFrame): boolean => /\/perf-\d+\.map$/.test(frame.dso);
const GC = /Heap::CollectGarbage|Scavenge|MarkCompact|ConcurrentMarking|Sweeper|MinorGC/;
const COMPILER = /v8::internal::compiler::|OptimizingCompileDispatcher|Maglev/;

/**
 * Who a JavaScript frame belongs to, by the rule of the V8 profiles ({@link chargedTo}): the npm
 * package, `node:<module>`, or `app` for the bundle. perf names a frame `JS:*name url:line:col`;
 * an entry without a script (a compiled regular expression, a stub) is `js`.
 */
export function javaScriptOwner(symbol: string): string {
  const url = / (\S+):\d+:\d+$/.exec(symbol)?.[1];
  return url ? chargedTo({ functionName: '', url }) : 'js';
}

/**
 * What a sample's CPU time is charged to:
 * - `(gc)` and `(jit compiler)` for V8's own collector and optimizing compiler;
 * - otherwise the owner of the innermost JavaScript frame: its own code, and the V8 builtins,
 *   runtime and kernel work (a socket write) it called;
 * - `(kernel)` or `(native)` when no JavaScript is on the stack (the event loop's polling,
 *   and every sample of a process that is not Node, such as PostgreSQL or RabbitMQ).
 */
export function chargeSample(sample: PerfSample): string {
  const symbols = sample.frames.map((frame) => frame.symbol).join('\n');
  if (GC.test(symbols)) return '(gc)';
  if (COMPILER.test(symbols)) return '(jit compiler)';
  const js = sample.frames.find(isJavaScript);
  if (js) return javaScriptOwner(js.symbol);
  const leaf = sample.frames[0];
  return leaf && isKernel(leaf) ? '(kernel)' : '(native)';
}

/** One role's samples: how many, the share whose innermost frame is the kernel, and by owner. */
export interface RoleSamples {
  samples: number;
  kernelSamples: number;
  byOwner: Map<string, number>;
}

/** Counts one sample under the role of its process; a sample of another process is left out. */
function tally(
  roles: Map<string, RoleSamples>,
  sample: PerfSample,
  roleOf: ReadonlyMap<number, string>,
): void {
  const role = roleOf.get(sample.pid);
  if (role === undefined) return;
  let entry = roles.get(role);
  if (!entry) {
    entry = { samples: 0, kernelSamples: 0, byOwner: new Map() };
    roles.set(role, entry);
  }
  entry.samples += 1;
  const leaf = sample.frames[0];
  if (leaf && isKernel(leaf)) entry.kernelSamples += 1;
  const owner = chargeSample(sample);
  entry.byOwner.set(owner, (entry.byOwner.get(owner) ?? 0) + 1);
}

/** Groups samples by the role of their process; samples of other processes are left out. */
export function samplesByRole(
  samples: PerfSample[],
  roleOf: ReadonlyMap<number, string>,
): Map<string, RoleSamples> {
  const roles = new Map<string, RoleSamples>();
  for (const sample of samples) tally(roles, sample, roleOf);
  return roles;
}

/** Streams `perf script` of `file` into {@link samplesByRole}'s tallies. */
export async function readPerfRecording(
  file: string,
  roleOf: ReadonlyMap<number, string>,
): Promise<Map<string, RoleSamples>> {
  const roles = new Map<string, RoleSamples>();
  const reader = new PerfScriptReader((sample) => tally(roles, sample, roleOf));
  const child = spawn('perf', ['script', '-i', file, '-F', 'pid,ip,sym,dso'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity }))
    reader.line(line);
  reader.end();
  const [code] = await exited;
  if (code !== 0) throw new Error(`perf script exited ${String(code)}: ${stderr.trim()}`);
  return roles;
}

const percent = (part: number, whole: number): string =>
  `${((100 * part) / Math.max(1, whole)).toFixed(1)} %`;

/** One line per role: samples, the kernel's share, and the `top` owners of its CPU. */
export function summarizeRoles(roles: Map<string, RoleSamples>, top = 8): string[] {
  return [...roles]
    .sort((a, b) => b[1].samples - a[1].samples)
    .map(([role, entry]) => {
      const owners = [...entry.byOwner]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([owner, count]) => `${owner} ${percent(count, entry.samples)}`);
      return `${role}: ${entry.samples} samples, kernel ${percent(entry.kernelSamples, entry.samples)}; ${owners.join(', ')}`;
    });
}
