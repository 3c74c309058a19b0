import { setTimeout as sleep } from 'node:timers/promises';
import type { StackProcess } from '@linebacker/testing';
import { FAULT_RESOURCE, type FaultKind, type FaultResource, type PlannedFault } from './schedule';
import { SUPERVISED_APPS, type Supervisor } from './supervisor';

/** One node of a cluster, as the nemesis acts on it. */
export interface NodeControl {
  readonly name: string;
  isRunning(): boolean;
  kill(): Promise<void>;
  stopGracefully(): Promise<void>;
  restart(): Promise<void>;
  pause(): void;
  resume(): void;
}

/** What the nemesis can do to the broker (a single node, or a cluster's nodes). */
export interface BrokerControl {
  closeAllConnections(): Promise<void>;
  stopApp(): Promise<void>;
  startApp(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  readonly nodes: readonly NodeControl[];
  /** The busiest quorum queue and the index of its leader (none: undefined). */
  busiestQueue(): Promise<{ queue: string; messages: number; node: number } | undefined>;
  /** Resolves once every node runs and sees all the others, with no partition. */
  awaitWhole(timeoutMs?: number): Promise<void>;
}

/** What the nemesis can do to the database. */
export interface DatabaseControl {
  stopImmediate(): Promise<void>;
  startAgain(): Promise<void>;
  terminateBackends(): Promise<number>;
}

/** Publishes copies of status replies (duplicates now, late ones later). */
export type ReplyInjector = (count: number, lateMs: number) => Promise<string>;

/** A fault as it actually ran. */
export interface FaultRecord {
  kind: FaultKind;
  /** Milliseconds since the epoch. */
  startedAt: number;
  healedAt: number;
  /**
   * A database restart: when the start command was issued. From then on the server may answer
   * at any moment, however long the command takes to return on a loaded machine.
   */
  restartingAt?: number;
  /** The instance it hit, when it hit one. */
  target?: string;
  /** The app of the instance it hit. */
  targetApp?: string;
  detail?: string;
  error?: string;
}

/** What the nemesis acts through. */
export interface NemesisDeps {
  supervisor: Supervisor;
  broker: BrokerControl;
  database: DatabaseControl;
  injectReplies: ReplyInjector;
  log(message: string): void;
}

const pickFrom = <T>(items: readonly T[], pick: number): T | undefined =>
  items[Math.min(items.length - 1, Math.floor(pick * items.length))];

const putJobsFault = async (jobServiceUrl: string, fault: Record<string, unknown>) => {
  const response = await fetch(`${jobServiceUrl}/admin/fault`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new Error(`PUT /admin/fault answered ${response.status}`);
};

/**
 * Runs a planned schedule: each fault starts at its offset, lasts its duration and heals
 * itself. `heal` stops starting new faults, waits for the running ones to heal and then
 * makes sure every dependency is back.
 */
export class Nemesis {
  readonly records: FaultRecord[] = [];
  private readonly active = new Set<Promise<void>>();
  /** The last fault on each resource: a fault waits for it (a slow restart overruns its plan). */
  private readonly lastOn = new Map<FaultResource, Promise<void>>();
  private stopped = false;
  /** Faults of the schedule not yet injected (waiting for their time or their resource). */
  private unstarted = 0;
  /** When the last fault healed (ms since the epoch). */
  lastHealAt = 0;
  /** Why the broker was not whole after the final heal (undefined: it was). */
  brokerNotWhole: string | undefined;

  constructor(private readonly deps: NemesisDeps) {}

  /** Runs the schedule from now; resolves when every fault was started (or heal began). */
  async run(schedule: readonly PlannedFault[]): Promise<void> {
    const start = Date.now();
    this.unstarted = schedule.length;
    for (const fault of schedule) {
      const wait = start + fault.atMs - Date.now();
      if (wait > 0) await this.sleepUnlessStopped(wait);
      if (this.stopped) return;
      const resource = FAULT_RESOURCE[fault.kind];
      const previous = resource === 'process' ? undefined : this.lastOn.get(resource);
      const running = (previous ?? Promise.resolve())
        .then(() => {
          this.unstarted -= 1;
          return this.stopped ? undefined : this.inject(fault);
        })
        .finally(() => this.active.delete(running));
      if (resource !== 'process') this.lastOn.set(resource, running);
      this.active.add(running);
    }
  }

  private async sleepUnlessStopped(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopped && Date.now() < until) await sleep(Math.min(200, until - Date.now()));
  }

  /** True until every fault of the schedule has been injected (or heal began). */
  get pending(): boolean {
    return !this.stopped && this.unstarted > 0;
  }

  /**
   * Stops the schedule, waits for running faults to heal, then heals everything. With
   * `finishSchedule`, every fault of the schedule is injected first, however late it starts
   * (a run that must try every kind of fault).
   */
  async heal(options: { finishSchedule?: boolean } = {}): Promise<void> {
    if (options.finishSchedule) {
      while (this.unstarted > 0 || this.active.size > 0) {
        if (this.active.size > 0) await Promise.all([...this.active]);
        else await sleep(200);
      }
    }
    this.stopped = true;
    while (this.active.size > 0) await Promise.all([...this.active]);
    const { supervisor } = this.deps;
    for (const p of supervisor.stack.running('sim-backup-interface'))
      p.handle.child.kill('SIGCONT');
    if (supervisor.stack.running('sim-backup-job-service').length > 0) {
      await putJobsFault(supervisor.jobServiceUrl, { mode: 'none' });
    }
    await this.healBroker();
    await supervisor.settle();
    this.lastHealAt = Math.max(this.lastHealAt, Date.now());
  }

  /** Every node running and resumed, and the cluster whole again (recorded when not). */
  private async healBroker(): Promise<void> {
    const { broker } = this.deps;
    try {
      for (const node of broker.nodes) {
        node.resume();
        if (!node.isRunning()) await node.restart();
      }
      await broker.awaitWhole();
      this.brokerNotWhole = undefined;
    } catch (error) {
      this.brokerNotWhole = String((error as Error).message ?? error).slice(0, 500);
      this.deps.log(`broker not whole after the heal: ${this.brokerNotWhole}`);
    }
  }

  private async inject(fault: PlannedFault): Promise<void> {
    const record: FaultRecord = { kind: fault.kind, startedAt: Date.now(), healedAt: 0 };
    this.records.push(record);
    try {
      await this.apply(fault, record);
    } catch (error) {
      record.error = String((error as Error).message ?? error).slice(0, 300);
      this.deps.log(`fault ${fault.kind} failed: ${record.error}`);
    } finally {
      record.healedAt = Date.now();
      this.lastHealAt = Math.max(this.lastHealAt, record.healedAt);
      this.deps.log(
        `fault ${fault.kind}${record.target ? ` ${record.target}` : ''}` +
          `${record.detail ? ` (${record.detail})` : ''} ${record.healedAt - record.startedAt} ms`,
      );
    }
  }

  private hit(record: FaultRecord, target: StackProcess | undefined): StackProcess | undefined {
    if (target) {
      record.target = target.name;
      record.targetApp = target.app;
    } else {
      record.detail = 'no running target';
    }
    return target;
  }

  private async apply(fault: PlannedFault, record: FaultRecord): Promise<void> {
    const { supervisor, broker, database } = this.deps;
    const hold = () => sleep(fault.durationMs);
    switch (fault.kind) {
      case 'kill':
      case 'kill-send': {
        const apps = fault.kind === 'kill' ? SUPERVISED_APPS : ['send-to-interface'];
        const target = this.hit(record, pickFrom(supervisor.candidates(apps), fault.pick));
        if (target) await supervisor.kill(target);
        return;
      }
      case 'term': {
        const app = pickFrom(SUPERVISED_APPS, fault.pick) ?? 'check-allowed';
        const instances = supervisor.candidates([app]);
        const target = this.hit(record, pickFrom(instances, (fault.pick * 7919) % 1));
        if (target) record.detail = `exit ${String(await supervisor.terminate(target))}`;
        return;
      }
      case 'broker-connections':
        return broker.closeAllConnections();
      case 'broker-restart':
        await broker.stopApp();
        await hold();
        return broker.startApp();
      case 'broker-kill':
        await broker.kill();
        await hold();
        return broker.restart();
      case 'db-restart':
        await database.stopImmediate();
        await hold();
        record.restartingAt = Date.now();
        return database.startAgain();
      case 'db-terminate':
        record.detail = `${await database.terminateBackends()} backends`;
        return;
      case 'jobs-error':
        await putJobsFault(supervisor.jobServiceUrl, { mode: 'error', status: 503 });
        await hold();
        return putJobsFault(supervisor.jobServiceUrl, { mode: 'none' });
      case 'jobs-slow':
        // Longer than the client's deadline: every lookup times out.
        await putJobsFault(supervisor.jobServiceUrl, { mode: 'slow', delayMs: 5000 });
        await hold();
        return putJobsFault(supervisor.jobServiceUrl, { mode: 'none' });
      case 'jobs-down':
        return supervisor.bounce('sim-backup-job-service', fault.durationMs);
      case 'interface-down':
      case 'interface-slow':
        return this.freezeInterface(fault.kind === 'interface-down', fault.durationMs);
      case 'replies':
        record.detail = await this.deps.injectReplies(5 + Math.floor(fault.pick * 10), 5000);
        return;
      case 'node-kill':
      case 'node-stop':
      case 'node-kill-leader':
      case 'node-pause':
        return this.nodeFault(fault, record);
    }
  }

  /**
   * One node down (killed, stopped, or paused past the net tick time) for the fault's
   * duration, then booted again (or resumed); the fault heals only once the cluster is whole,
   * so the next broker fault never finds a node still missing.
   */
  private async nodeFault(fault: PlannedFault, record: FaultRecord): Promise<void> {
    const { broker } = this.deps;
    let index = Math.min(broker.nodes.length - 1, Math.floor(fault.pick * broker.nodes.length));
    if (fault.kind === 'node-kill-leader') {
      const busiest = await broker.busiestQueue();
      if (busiest) {
        index = busiest.node;
        record.detail = `leads ${busiest.queue} (${busiest.messages} messages)`;
      } else {
        record.detail = 'no quorum queue leader found; a node by pick';
      }
    }
    const node = broker.nodes[index];
    if (!node) throw new Error(`no node ${index}`);
    record.target = node.name;
    try {
      if (fault.kind === 'node-pause') {
        node.pause();
        await sleep(fault.durationMs);
        node.resume();
      } else {
        if (fault.kind === 'node-stop') await node.stopGracefully();
        else await node.kill();
        await sleep(fault.durationMs);
        await node.restart();
      }
    } catch (error) {
      // Never leave the node out for the next broker fault: two down would lose the majority.
      node.resume();
      if (!node.isRunning()) await node.restart().catch(() => undefined);
      throw error;
    }
    const back = Date.now();
    await broker.awaitWhole();
    const whole = `whole ${Date.now() - back} ms after ${fault.kind === 'node-pause' ? 'SIGCONT' : 'boot'}`;
    record.detail = record.detail ? `${record.detail}; ${whole}` : whole;
  }

  /**
   * The interface simulator "down" is the process frozen (SIGSTOP): its connection stays
   * open, nothing is taken or answered. "Slow" freezes it in short bursts.
   */
  private async freezeInterface(down: boolean, durationMs: number): Promise<void> {
    const [sim] = this.deps.supervisor.stack.running('sim-backup-interface');
    if (!sim) return;
    const until = Date.now() + durationMs;
    try {
      if (down) {
        sim.handle.child.kill('SIGSTOP');
        await sleep(durationMs);
      } else {
        while (Date.now() < until) {
          sim.handle.child.kill('SIGSTOP');
          await sleep(400);
          sim.handle.child.kill('SIGCONT');
          await sleep(200);
        }
      }
    } finally {
      sim.handle.child.kill('SIGCONT');
    }
  }
}
