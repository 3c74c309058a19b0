import {
  startBundle,
  type BundleOptions,
  type BundleProcess,
  type LogLine,
} from './bundle-process';

/** One app instance a stack started. */
export interface StackProcess {
  app: string;
  /** `<app>#<n>`, also its `LINEBACKER_INSTANCE_ID`, so log lines name it. */
  name: string;
  handle: BundleProcess;
  /** Set once the stack itself stopped or killed it: any other exit is unexpected. */
  stopRequested: boolean;
}

/** A log line together with the instance that printed it. */
export interface StackLogLine {
  name: string;
  line: LogLine;
}

/** How a process ended when the stack stopped it. */
export interface StackExit {
  name: string;
  code: number | null;
}

const isReady = (line: LogLine): boolean => line['outcome'] === 'ready';

/**
 * Many built app bundles running as separate OS processes over one shared environment (the
 * end-to-end test, the chaos harness and the benchmark all drive whole stacks this way).
 * The stack remembers every process it ever started, also killed ones, so log checks and
 * exit checks cover the whole run.
 */
export class ProcessStack {
  readonly processes: StackProcess[] = [];
  private readonly counters = new Map<string, number>();
  private readonly appEnv = new Map<string, Record<string, string>>();

  /**
   * `bundleRoot`: where the app bundles are (default `dist/apps`); `appEnv`: what only the
   * instances of one app get on top of the base environment (e.g. its own broker user).
   */
  constructor(
    private baseEnv: Record<string, string>,
    private readonly bundleRoot?: string,
    appEnv: Readonly<Record<string, Record<string, string>>> = {},
    /** How every process is started (e.g. each in a session of its own). */
    private readonly bundleOptions: BundleOptions = {},
  ) {
    for (const [app, env] of Object.entries(appEnv)) this.appEnv.set(app, { ...env });
  }

  /** Adds to the environment of every instance started from now on (e.g. a simulator's URL). */
  extendEnv(env: Record<string, string>): void {
    this.baseEnv = { ...this.baseEnv, ...env };
  }

  /**
   * Adds to the environment of every instance of `app` started from now on (e.g. the app's
   * own database login), on top of the base environment.
   */
  extendAppEnv(app: string, env: Record<string, string>): void {
    this.appEnv.set(app, { ...this.appEnv.get(app), ...env });
  }

  /**
   * Runs a one-shot app (e.g. `migrate`) to its exit, with the environment an instance of it
   * would get plus `env`. It is not one of the stack's processes: its exit is expected.
   */
  async runOnce(app: string, env: Record<string, string> = {}): Promise<BundleProcess> {
    const handle = startBundle(
      app,
      { ...this.baseEnv, ...this.appEnv.get(app), ...env },
      this.bundleRoot,
      this.bundleOptions,
    );
    await handle.exited;
    return handle;
  }

  /**
   * Starts one instance with the base and app environment plus `env` and resolves once it logged
   * `outcome: 'ready'`; rejects with its last lines if it exits or times out first.
   */
  async start(app: string, env: Record<string, string> = {}, readyTimeoutMs = 60_000) {
    const index = (this.counters.get(app) ?? 0) + 1;
    this.counters.set(app, index);
    const name = `${app}#${index}`;
    const handle = startBundle(
      app,
      { ...this.baseEnv, ...this.appEnv.get(app), LINEBACKER_INSTANCE_ID: name, ...env },
      this.bundleRoot,
      this.bundleOptions,
    );
    const started: StackProcess = { app, name, handle, stopRequested: false };
    this.processes.push(started);
    // The wait ends at once, with the last lines, if the process exits before it is ready;
    // exiting later is not this call's business (`unexpectedExits` reports it).
    await handle.waitForLine(isReady, readyTimeoutMs).catch((error: unknown) => {
      throw new Error(
        `${name} not ready: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    return started;
  }

  /** Starts `count` instances of one app side by side and waits until all are ready. */
  startMany(app: string, count: number, env: Record<string, string> = {}, readyTimeoutMs?: number) {
    return Promise.all(Array.from({ length: count }, () => this.start(app, env, readyTimeoutMs)));
  }

  /** The instances of `app` (or of every app) that have not exited. */
  running(app?: string): StackProcess[] {
    return this.processes.filter(
      (p) =>
        (app === undefined || p.app === app) &&
        p.handle.child.exitCode === null &&
        p.handle.child.signalCode === null,
    );
  }

  /** Kills one instance with SIGKILL (a crash: no graceful stop) and waits until it is gone. */
  async kill(target: StackProcess): Promise<void> {
    target.stopRequested = true;
    target.handle.child.kill('SIGKILL');
    await target.handle.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(target: StackProcess, graceMs = 15_000): Promise<number | null> {
    target.stopRequested = true;
    return target.handle.stop(graceMs);
  }

  /** Stops every running instance at once and reports each exit code. */
  async stopAll(graceMs = 15_000): Promise<StackExit[]> {
    const running = this.running();
    const codes = await Promise.all(running.map((p) => this.stop(p, graceMs)));
    return running.map((p, i) => ({ name: p.name, code: codes[i] ?? null }));
  }

  /** Every line any instance printed at `level` (e.g. `error`), with the instance's name. */
  linesAt(level: string): StackLogLine[] {
    return this.processes.flatMap((p) =>
      p.handle.lines
        .filter((line) => line['level'] === level)
        .map((line) => ({ name: p.name, line })),
    );
  }

  /** Every line of one app's instances that matches `predicate`. */
  linesOf(app: string, predicate: (line: LogLine) => boolean): LogLine[] {
    return this.processes
      .filter((p) => p.app === app)
      .flatMap((p) => p.handle.lines.filter(predicate));
  }

  /** Instances that exited without the stack asking them to (crashes, fatal errors). */
  unexpectedExits(): StackExit[] {
    return this.processes
      .filter(
        (p) =>
          !p.stopRequested &&
          (p.handle.child.exitCode !== null || p.handle.child.signalCode !== null),
      )
      .map((p) => ({ name: p.name, code: p.handle.child.exitCode }));
  }
}
