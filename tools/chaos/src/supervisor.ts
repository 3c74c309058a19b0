import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  freeTcpPort as freePort,
  listeningAddress,
  WORKSPACE_ROOT,
  PIPELINE_WORKER_APPS,
  pipelineProcessStack,
  type ProcessStack,
  type StackProcess,
} from '@linebacker/testing';
import type { Random } from './prng';

/** Every app of the pipeline the supervisor runs several instances of. */
export const SUPERVISED_APPS = ['http-receiver', ...PIPELINE_WORKER_APPS] as const;

const SIMULATOR_APPS = ['sim-backup-job-service', 'sim-backup-interface'] as const;

/** Under a loaded machine a dozen processes booting at once take a while to get ready. */
const READY_TIMEOUT_MS = 180_000;

/**
 * Copies every app bundle under `dir` (inside the workspace, so `node_modules` still
 * resolves): a rebuild of `dist/` by someone else mid-run cannot break a restart.
 */
export function snapshotBundles(dir: string): string {
  for (const app of [...SUPERVISED_APPS, ...SIMULATOR_APPS]) {
    cpSync(join(WORKSPACE_ROOT, 'dist', 'apps', app), join(dir, app), { recursive: true });
  }
  return dir;
}

/** A process that exited without anyone asking it to. */
export interface SelfCrash {
  name: string;
  code: number | null;
  signal: string | null;
  at: number;
  lastLines: string[];
}

/** How the supervised stack is set up. */
export interface SupervisorOptions {
  databaseUrl: string;
  amqpUrl: string;
  namespace: string;
  instances: number;
  /** Apps started with 0 instances (the planted `no-recovery` bug leaves out recovery). */
  leaveOut?: readonly string[];
  env: Record<string, string>;
  /** A copy of the app bundles (see `snapshotBundles`). */
  bundleRoot: string;
  log(message: string): void;
}

/**
 * Runs every app as its own OS process (`instances` of each pipeline app, one of each
 * simulator on a fixed port so a restart keeps its address) and keeps them running: a
 * process the nemesis killed comes back after 1-3 s; one that died on its own is recorded
 * as a self-crash and restarted too.
 */
export class Supervisor {
  readonly stack: ProcessStack;
  readonly selfCrashes: SelfCrash[] = [];
  readonly gracefulExits: { name: string; code: number | null }[] = [];
  /** Instances that exited before they were ready (a dependency stayed down too long). */
  readonly startFailures: SelfCrash[] = [];
  jobServiceUrl = '';
  interfaceUrl = '';
  private readonly seen = new Set<StackProcess>();
  private readonly restarting = new Set<Promise<void>>();
  private stopping = false;
  private watcher: NodeJS.Timeout | undefined;

  private constructor(
    private readonly options: SupervisorOptions,
    private readonly random: Random,
    simPorts: { jobs: number; iface: number },
  ) {
    this.stack = pipelineProcessStack({
      databaseUrl: options.databaseUrl,
      amqpUrl: options.amqpUrl,
      namespace: options.namespace,
      bundleRoot: options.bundleRoot,
      env: {
        ...options.env,
        LINEBACKER_SIM_JOBS_PORT: String(simPorts.jobs),
        LINEBACKER_SIM_INTERFACE_PORT: String(simPorts.iface),
      },
    });
  }

  /** A supervisor with nothing started yet (register its `stopAll` before `startAll`). */
  static async create(options: SupervisorOptions, random: Random): Promise<Supervisor> {
    return new Supervisor(options, random, { jobs: await freePort(), iface: await freePort() });
  }

  /** Starts the simulators, the receivers (the first migrates) and every worker. */
  async startAll(): Promise<void> {
    const { stack, options } = this;
    const [jobs, iface] = await Promise.all([
      stack.start('sim-backup-job-service', {}, READY_TIMEOUT_MS),
      stack.start('sim-backup-interface', {}, READY_TIMEOUT_MS),
      stack.start('http-receiver', { LINEBACKER_RUN_MIGRATIONS: 'true' }, READY_TIMEOUT_MS),
    ]);
    this.jobServiceUrl = listeningAddress(jobs);
    this.interfaceUrl = listeningAddress(iface);
    stack.extendEnv({ LINEBACKER_JOB_SERVICE_URL: this.jobServiceUrl });
    const counts = SUPERVISED_APPS.map((app) => {
      const wanted = options.leaveOut?.includes(app) ? 0 : options.instances;
      return [app, app === 'http-receiver' ? wanted - 1 : wanted] as const;
    });
    await Promise.all(
      counts
        .filter(([, count]) => count > 0)
        .map(([app, count]) => stack.startMany(app, count, {}, READY_TIMEOUT_MS)),
    );
    for (const p of stack.processes) this.seen.add(p);
    this.watcher = setInterval(() => this.watch(), 250);
  }

  /** The HTTP receivers running now. */
  receiverUrls(): string[] {
    return this.stack
      .running('http-receiver')
      .filter((p) => p.handle.lines.some((l) => l['message'] === 'listening'))
      .map((p) => listeningAddress(p));
  }

  /** The running instances of `apps`, ordered by name (so a seeded pick is reproducible). */
  candidates(apps: readonly string[]): StackProcess[] {
    return this.stack
      .running()
      .filter((p) => apps.includes(p.app))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** kill -9; the watcher restarts it after 1-3 s. */
  async kill(target: StackProcess): Promise<void> {
    await this.stack.kill(target);
    this.scheduleRestart(target);
  }

  /** SIGTERM (graceful stop, must exit 0); restarted after 1-3 s. */
  async terminate(target: StackProcess): Promise<number | null> {
    const code = await this.stack.stop(target, 20_000);
    this.gracefulExits.push({ name: target.name, code });
    this.scheduleRestart(target);
    return code;
  }

  /** Stops and restarts one simulator (same port), holding it down for `downMs`. */
  async bounce(app: string, downMs: number): Promise<void> {
    for (const p of this.stack.running(app)) {
      await this.stack.stop(p, 5000);
    }
    await sleep(downMs);
    await this.startWithRetry(app);
  }

  private scheduleRestart(target: StackProcess): void {
    const delay = this.random.int(1000, 3000);
    const restart = sleep(delay)
      .then(() => (this.stopping ? undefined : this.startWithRetry(target.app)))
      .finally(() => this.restarting.delete(restart));
    this.restarting.add(restart);
  }

  private async startWithRetry(app: string): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const started = await this.stack.start(app, {}, READY_TIMEOUT_MS);
        this.seen.add(started);
        return;
      } catch (error) {
        this.options.log(
          `start of ${app} failed (attempt ${attempt}): ${String(error).slice(0, 300)}`,
        );
        for (const p of this.stack.processes.filter((q) => q.app === app && !this.seen.has(q))) {
          const child = p.handle.child;
          this.seen.add(p);
          if (child.exitCode === null && child.signalCode === null) continue;
          p.stopRequested = true;
          this.startFailures.push({
            name: p.name,
            code: child.exitCode,
            signal: child.signalCode,
            at: Date.now(),
            lastLines: p.handle.lines.slice(-5).map((l) => JSON.stringify(l)),
          });
        }
        await sleep(2000);
      }
    }
  }

  /** Processes that exited without being asked: record and restart. */
  private watch(): void {
    for (const p of this.stack.processes) {
      if (!this.seen.has(p)) continue;
      const child = p.handle.child;
      const exited = child.exitCode !== null || child.signalCode !== null;
      if (!exited || p.stopRequested) continue;
      p.stopRequested = true; // handled once
      this.selfCrashes.push({
        name: p.name,
        code: child.exitCode,
        signal: child.signalCode,
        at: Date.now(),
        lastLines: p.handle.lines.slice(-5).map((l) => JSON.stringify(l)),
      });
      this.options.log(`${p.name} exited on its own (${child.exitCode ?? child.signalCode})`);
      if (!this.stopping) this.scheduleRestart(p);
    }
  }

  /** Waits for pending restarts (heal). */
  async settle(): Promise<void> {
    while (this.restarting.size > 0) await Promise.all([...this.restarting]);
  }

  /** Stops every process gracefully; reports exits that were not 0. */
  async stopAll(): Promise<{ name: string; code: number | null }[]> {
    this.stopping = true;
    if (this.watcher) clearInterval(this.watcher);
    for (const p of this.stack.running()) p.handle.child.kill('SIGCONT');
    await Promise.all([...this.restarting]).catch(() => undefined);
    const exits = await this.stack.stopAll(15_000);
    return exits.filter((exit) => exit.code !== 0);
  }
}
