/**
 * The pipeline's services (SPEC §2), each deployed as the app of the same name. The one list
 * every other place derives from: the composition, the test stacks, the benchmark, the chaos
 * harness, the PM2 ecosystem and the deployment checks. The names are also queue prefixes and
 * the names of each app's database login and broker user, so they never change lightly.
 */
export const SERVICES = {
  httpReceiver: 'http-receiver',
  checkAllowed: 'check-allowed',
  sendToInterface: 'send-to-interface',
  interfaceReceiver: 'interface-receiver',
  receiveStatus: 'receive-status',
  notifier: 'notifier',
  recovery: 'recovery',
} as const;

/** One of the pipeline's services. */
export type PipelineService = (typeof SERVICES)[keyof typeof SERVICES];

/** Every service but the HTTP receiver: the ones that consume messages, in pipeline order. */
export const WORKER_SERVICES = [
  SERVICES.checkAllowed,
  SERVICES.sendToInterface,
  SERVICES.interfaceReceiver,
  SERVICES.receiveStatus,
  SERVICES.notifier,
  SERVICES.recovery,
] as const;

/** One of the worker services. */
export type WorkerService = (typeof WORKER_SERVICES)[number];

/** Every service, the receiver first. */
export const PIPELINE_SERVICES: readonly PipelineService[] = [
  SERVICES.httpReceiver,
  ...WORKER_SERVICES,
];

/**
 * The Node flags every app runs with, wherever it runs: the image's entrypoint, the PM2
 * ecosystem (through `tools/deploy/pm2/apps.json`), the test stacks and the benchmark.
 * - `--max-semi-space-size=8` halves V8's young generation (16 MB semi-spaces by default on
 *   64-bit Node 20): 14-16 MB less peak RSS per worker under load, for no CPU cost the
 *   benchmark could show (ADR 0404).
 * - `--max-old-space-size=1024` caps the old generation at 1 GB (Node's default here is
 *   about 4 GB). V8 lets the old generation grow after each full collection by a factor of
 *   up to 4 with the default limit, and of up to 1.6 with this one, so under load a worker's
 *   old generation no longer grows to four times what it keeps alive (ADR 0408).
 */
export const APP_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=8',
  '--max-old-space-size=1024',
];
