import { WORKER_SERVICES, type WorkerService } from '@linebacker/domain';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from './bundle-process';
import { ProcessStack, type StackProcess } from './stack';

/** Every pipeline app that consumes messages (all but the HTTP receiver), in pipeline order. */
export const PIPELINE_WORKER_APPS = WORKER_SERVICES;

/** One of the pipeline's worker apps. */
export type PipelineWorkerApp = WorkerService;

/** Where a whole pipeline stack runs and what every process in it gets. */
export interface PipelineStackOptions {
  databaseUrl: string;
  amqpUrl: string;
  /** Prefix of every exchange and queue, the interface queues included. */
  namespace: string;
  /** Added to every process's environment (queue type, simulator behaviour, timeouts…). */
  env?: Record<string, string>;
  /** Where the app bundles are (default `dist/apps`). */
  bundleRoot?: string;
  /** Added to one app's processes only, after `env` (e.g. its own broker URL and password). */
  appEnv?: Record<string, Record<string, string>>;
  /** Every process in a session of its own (see `BundleOptions.ownSession`). */
  ownSessions?: boolean;
}

/** The HTTP addresses of a started pipeline stack. */
export interface PipelineEndpoints {
  /** The (first) HTTP receiver's API, e.g. `http://127.0.0.1:41234`. */
  receiverUrl: string;
  /** The API of every HTTP receiver started, the first one first. */
  receiverUrls: string[];
  /** The HTTP receiver's operator listener (healthz, metrics, OpenAPI). */
  receiverOperatorUrl: string;
  /** The backup job service simulator. */
  jobServiceUrl: string;
  /** The backup interface simulator's `/stats` side. */
  interfaceUrl: string;
}

/** The backup job fixture the simulator serves (three active jobs, one inactive). */
export const JOBS_FIXTURE = join(WORKSPACE_ROOT, 'libs', 'simulators', 'fixtures', 'jobs.json');

/**
 * A process stack for the whole pipeline in one namespace: every process gets the database,
 * the broker, the namespace, namespaced interface queues, and port 0 for every HTTP port.
 */
export function pipelineProcessStack(options: PipelineStackOptions): ProcessStack {
  const { namespace } = options;
  return new ProcessStack(
    {
      LINEBACKER_DATABASE_URL: options.databaseUrl,
      LINEBACKER_AMQP_URL: options.amqpUrl,
      LINEBACKER_NAMESPACE: namespace,
      LINEBACKER_INTERFACE_AMQP_URL: options.amqpUrl,
      LINEBACKER_INTERFACE_REQUEST_QUEUE: `${namespace}.backup-interface.requests`,
      LINEBACKER_INTERFACE_REPLY_QUEUE: `${namespace}.backup-interface.replies`,
      LINEBACKER_HEALTH_PORT: '0',
      LINEBACKER_HTTP_PORT: '0',
      LINEBACKER_SIM_JOBS_PORT: '0',
      LINEBACKER_SIM_INTERFACE_PORT: '0',
      LINEBACKER_SIM_JOBS_FILE: JOBS_FIXTURE,
      // A dozen processes at the default 10 connections each would exhaust PostgreSQL's
      // default 100, shared with whatever else runs on the server.
      LINEBACKER_DB_POOL_SIZE: '4',
      // A closed test setup: anonymous callers, and no per-client limit on its load.
      LINEBACKER_AUTH_ALLOW_ANONYMOUS: 'true',
      LINEBACKER_HTTP_RATE_LIMIT_PER_MINUTE: '0',
      ...options.env,
    },
    options.bundleRoot,
    options.appEnv,
    { ownSession: options.ownSessions === true },
  );
}

/** The address a started process logged on its `listening` line (`operatorAddress` too). */
export function listeningAddress(
  started: StackProcess,
  field: 'address' | 'operatorAddress' = 'address',
): string {
  const line = started.handle.lines.find((l) => l['message'] === 'listening');
  if (typeof line?.[field] !== 'string') throw new Error(`${started.name} logged no ${field}`);
  return line[field];
}

/** How a pipeline stack gets its schema. */
export interface PipelineStartOptions {
  /**
   * Run the `migrate` app with this URL (the schema owner's) before anything else, as a
   * deployment does, instead of letting the receiver migrate with the apps' own URL.
   */
  migrationDatabaseUrl?: string;
  /**
   * HTTP receivers to start (default 1; fewer is refused). The first migrates unless
   * `migrationDatabaseUrl` is given; the others start once it listens, beside the workers.
   */
  receivers?: number;
}

/**
 * Starts the simulators and the HTTP receiver (which applies the migrations unless
 * `migrationDatabaseUrl` is given), then the other receivers (`options.receivers`, default one
 * in all) and `instances[app]` processes of every worker app
 * (default 1; 0 leaves an app out so a test can start it later with `stack.start(app)`).
 * Resolves once every process is ready.
 */
export async function startPipeline(
  stack: ProcessStack,
  instances: Partial<Record<PipelineWorkerApp, number>> = {},
  options: PipelineStartOptions = {},
): Promise<PipelineEndpoints> {
  const { migrationDatabaseUrl, receivers = 1 } = options;
  // One receiver at least: the first is the one that migrates and whose URL a test gets.
  if (!Number.isInteger(receivers) || receivers < 1)
    throw new RangeError(
      `startPipeline: receivers must be a whole number from 1, not ${receivers}`,
    );
  if (migrationDatabaseUrl !== undefined) {
    const migrate = await stack.runOnce('migrate', {
      LINEBACKER_DATABASE_URL: migrationDatabaseUrl,
    });
    const code = await migrate.exited;
    if (code !== 0) {
      const tail = migrate.lines.slice(-5).map((line) => JSON.stringify(line));
      throw new Error(`migrate exited with ${String(code)}:\n${tail.join('\n')}`);
    }
  }
  // Unless migrate ran, the receiver migrates: workers (recovery reads at start-up) come after.
  const [jobs, backupInterface, receiver] = await Promise.all([
    stack.start('sim-backup-job-service'),
    stack.start('sim-backup-interface'),
    stack.start(
      'http-receiver',
      migrationDatabaseUrl === undefined ? { LINEBACKER_RUN_MIGRATIONS: 'true' } : {},
    ),
  ]);
  const jobServiceUrl = listeningAddress(jobs);
  stack.extendEnv({ LINEBACKER_JOB_SERVICE_URL: jobServiceUrl });
  const [more] = await Promise.all([
    stack.startMany('http-receiver', receivers - 1),
    ...PIPELINE_WORKER_APPS.map((app) => stack.startMany(app, instances[app] ?? 1)),
  ]);
  return {
    receiverUrl: listeningAddress(receiver),
    receiverUrls: [receiver, ...more].map((started) => listeningAddress(started)),
    receiverOperatorUrl: listeningAddress(receiver, 'operatorAddress'),
    jobServiceUrl,
    interfaceUrl: listeningAddress(backupInterface),
  };
}
