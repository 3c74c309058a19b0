import { join } from 'node:path';
import { WORKSPACE_ROOT } from './bundle-process';
import { ProcessStack, type StackProcess } from './stack';

/** Every pipeline app that consumes messages (all but the HTTP receiver). */
export const PIPELINE_WORKER_APPS = [
  'check-allowed',
  'send-to-interface',
  'interface-receiver',
  'receive-status',
  'notifier',
  'recovery',
] as const;

/** One of the pipeline's worker apps. */
export type PipelineWorkerApp = (typeof PIPELINE_WORKER_APPS)[number];

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
}

/** The HTTP addresses of a started pipeline stack. */
export interface PipelineEndpoints {
  /** The HTTP receiver, e.g. `http://127.0.0.1:41234`. */
  receiverUrl: string;
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
      ...options.env,
    },
    options.bundleRoot,
    options.appEnv,
  );
}

/** The address a started process logged on its `listening` line. */
export function listeningAddress(started: StackProcess): string {
  const line = started.handle.lines.find((l) => l['message'] === 'listening');
  if (typeof line?.['address'] !== 'string') throw new Error(`${started.name} logged no address`);
  return line['address'];
}

/**
 * Starts the simulators and the HTTP receiver (which applies the migrations), then
 * `instances[app]` processes of every worker app (default 1; 0 leaves an app out so a test
 * can start it later with `stack.start(app)`). Resolves once every process is ready.
 */
export async function startPipeline(
  stack: ProcessStack,
  instances: Partial<Record<PipelineWorkerApp, number>> = {},
): Promise<PipelineEndpoints> {
  // The receiver migrates the database: workers (recovery reads at start-up) come after it.
  const [jobs, backupInterface, receiver] = await Promise.all([
    stack.start('sim-backup-job-service'),
    stack.start('sim-backup-interface'),
    stack.start('http-receiver', { LINEBACKER_RUN_MIGRATIONS: 'true' }),
  ]);
  const endpoints: PipelineEndpoints = {
    receiverUrl: listeningAddress(receiver),
    jobServiceUrl: listeningAddress(jobs),
    interfaceUrl: listeningAddress(backupInterface),
  };
  stack.extendEnv({ LINEBACKER_JOB_SERVICE_URL: endpoints.jobServiceUrl });
  await Promise.all(PIPELINE_WORKER_APPS.map((app) => stack.startMany(app, instances[app] ?? 1)));
  return endpoints;
}
