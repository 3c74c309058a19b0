import type { Logger } from './logger';

/** A started service: how to stop it gracefully. */
export interface RunningService {
  stop(deadlineMs: number): Promise<void>;
}

/** How `runService` drives one app process. */
export interface RunServiceOptions {
  name: string;
  logger: Logger;
  start(): Promise<RunningService>;
  /** How long a graceful stop may take before the process exits anyway. */
  stopDeadlineMs: number;
  process?: NodeJS.Process;
}

/**
 * The one process-level lifecycle every app uses: start (a failure exits 1 with the reason),
 * announce readiness to PM2 (`process.send('ready')`), stop gracefully on SIGTERM/SIGINT and
 * exit 0, exit 1 on an uncaught error. Anything unacked at exit is redelivered by the broker.
 */
export async function runService(options: RunServiceOptions): Promise<void> {
  const proc = options.process ?? process;
  const { logger } = options;
  let service: RunningService | undefined;
  let stopping = false;

  const exit = (code: number): void => {
    logger.on('finish', () => proc.exit(code));
    logger.end();
    setTimeout(() => proc.exit(code), 1000).unref();
  };
  const shutdown = (signal: string): void => {
    if (stopping) {
      logger.warn('second signal, exiting now', { signal });
      return exit(1);
    }
    stopping = true;
    logger.info('stopping', { signal, outcome: 'stopping' });
    const stop = service ? service.stop(options.stopDeadlineMs) : Promise.resolve();
    const deadline = setTimeout(() => {
      logger.error('graceful stop exceeded its deadline', { deadlineMs: options.stopDeadlineMs });
      exit(1);
    }, options.stopDeadlineMs + 2000);
    deadline.unref();
    // Settled in time: the deadline must not fire later and log into the ended logger.
    stop.then(
      () => {
        clearTimeout(deadline);
        logger.info('stopped', { outcome: 'stopped' });
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        logger.error('graceful stop failed', { error });
        exit(1);
      },
    );
  };
  proc.on('SIGTERM', () => shutdown('SIGTERM'));
  proc.on('SIGINT', () => shutdown('SIGINT'));
  proc.on('uncaughtException', (error) => {
    logger.error('uncaught exception', { error });
    exit(1);
  });
  proc.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', { error: reason });
    exit(1);
  });

  try {
    service = await options.start();
  } catch (error) {
    logger.error(`${options.name} could not start: ${(error as Error).message ?? error}`, {
      error,
      outcome: 'start-failed',
    });
    return exit(1);
  }
  if (stopping) {
    await service.stop(options.stopDeadlineMs);
    return;
  }
  logger.info(`${options.name} ready`, { outcome: 'ready' });
  proc.send?.('ready');
}
