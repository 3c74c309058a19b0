import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { connect } from 'amqplib';
import { listeningAddress, pipelineProcessStack, type ProcessStack } from '@linebacker/testing';
import type { WatchedProcess } from '../cpu-window';
import type { RunEnvironment } from '../environment';
import { LEAN_ROLES, LEAN_SCHEMA_SQL, leanNames, type LeanRole } from './lean-topology';

/** One lean role process. */
export interface LeanProcess {
  name: string;
  role: LeanRole;
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** A running lean pipeline: its processes, the simulators' stack and the receiver's URL. */
export interface LeanStack {
  /** Every receiver's API. */
  receiverUrls: string[];
  processes: LeanProcess[];
  simulators: ProcessStack;
  watched(): WatchedProcess[];
  /** Stops every process; resolves with the deliveries each role reported on exit. */
  stop(): Promise<Record<string, number>>;
}

/** Settings shared with the linebacker stack it is compared with. */
export interface LeanSettings {
  instances: number;
  /** Receiver processes, each on a port of its own. */
  receivers: number;
  /** Every process in a session of its own (see `BundleOptions.ownSession`). */
  ownSessions: boolean;
  prefetch: number;
  poolSize: number;
  queueType: 'quorum' | 'classic';
  simulatorEnv: Record<string, string>;
  /** For every lean role too: the profilers' preloads (`--cpu-profile`, `--alloc-profile`). */
  profilingEnv?: Record<string, string>;
}

async function declareTopology(
  amqpUrl: string,
  namespace: string,
  queueType: string,
): Promise<void> {
  const names = leanNames(namespace);
  const connection = await connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    await channel.assertExchange(names.exchange, 'topic', { durable: true });
    const bindings: [string, string[]][] = [
      [names.check, ['received']],
      [names.send, ['allowed']],
      [names.status, ['store-status']],
      [names.notify, ['not-allowed', 'succeeded', 'failed']],
    ];
    for (const [queue, keys] of bindings) {
      await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': queueType } });
      for (const key of keys) await channel.bindQueue(queue, names.exchange, key);
    }
    // Like linebacker's default interface queues: plain durable queues without arguments.
    await channel.assertQueue(names.interfaceRequests, { durable: true });
    await channel.assertQueue(names.interfaceReplies, { durable: true });
  } finally {
    await connection.close();
  }
}

function spawnRole(
  role: LeanRole,
  index: number,
  env: Record<string, string>,
  ownSession: boolean,
): Promise<LeanProcess> {
  const child = spawn(process.execPath, [process.argv[1] ?? '', 'lean-stage', role], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownSession,
  });
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const name = `lean-${role}#${index}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready in 30 s`)), 30_000);
    const onLine = (text: string): void => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { text };
      }
      lines.push(parsed);
      if (parsed['outcome'] === 'ready') {
        clearTimeout(timer);
        resolve({ name, role, child, lines, exited });
      }
    };
    if (!child.stdout || !child.stderr) throw new Error('child process without pipes');
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', (text) =>
      onLine(JSON.stringify({ stream: 'stderr', text })),
    );
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${name} exited with ${String(code)}: ${lines
            .slice(-5)
            .map((l) => JSON.stringify(l))
            .join('\n')}`,
        ),
      );
    });
  });
}

/** Creates the schema and topology, starts both simulators, then every lean role. */
export async function startLeanStack(
  environment: RunEnvironment,
  settings: LeanSettings,
): Promise<LeanStack> {
  const { namespace, amqpUrl, databaseUrl } = environment;
  await environment.db.query(LEAN_SCHEMA_SQL);
  await declareTopology(amqpUrl, namespace, settings.queueType);
  const names = leanNames(namespace);
  const simulators = pipelineProcessStack({
    databaseUrl,
    amqpUrl,
    namespace,
    env: settings.simulatorEnv,
    ownSessions: settings.ownSessions,
  });
  const [jobs] = await Promise.all([
    simulators.start('sim-backup-job-service'),
    simulators.start('sim-backup-interface'),
  ]);
  const env = {
    ...settings.profilingEnv,
    LEAN_NAMESPACE: namespace,
    LEAN_DATABASE_URL: databaseUrl,
    LEAN_AMQP_URL: amqpUrl,
    LEAN_PREFETCH: String(settings.prefetch),
    LEAN_POOL_SIZE: String(settings.poolSize),
    LEAN_JOB_SERVICE_URL: listeningAddress(jobs),
    LEAN_INTERFACE_REQUEST_QUEUE: names.interfaceRequests,
  };
  const processes: LeanProcess[] = [];
  try {
    for (const role of LEAN_ROLES) {
      const count = role === 'receiver' ? settings.receivers : settings.instances;
      for (let i = 1; i <= count; i++)
        processes.push(await spawnRole(role, i, env, settings.ownSessions));
    }
  } catch (error) {
    for (const p of processes) p.child.kill('SIGKILL');
    await simulators.stopAll(5_000);
    throw error;
  }
  const stop = async (): Promise<Record<string, number>> => {
    const deliveries: Record<string, number> = {};
    // Upstream first, so a later stage can finish what an earlier one published.
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
      await p.exited;
      clearTimeout(timer);
      const stopped = p.lines.find((l) => l['outcome'] === 'stopped');
      deliveries[p.role] = (deliveries[p.role] ?? 0) + Number(stopped?.['deliveries'] ?? 0);
    }
    await simulators.stopAll(5_000);
    return deliveries;
  };
  return {
    receiverUrls: processes
      .filter((p) => p.role === 'receiver')
      .map((p) => String(p.lines.find((l) => l['outcome'] === 'ready')?.['address'])),
    processes,
    simulators,
    watched: () => [
      ...processes.map((p) => ({ name: p.name, role: `lean-${p.role}`, pid: p.child.pid ?? -1 })),
      ...simulators
        .running()
        .map((p) => ({ name: p.name, role: p.app, pid: p.handle.child.pid ?? -1 })),
    ],
    stop,
  };
}
