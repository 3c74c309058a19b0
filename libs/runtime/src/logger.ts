import { hostname } from 'node:os';
import winston from 'winston';

/** A structured logger; every line is one JSON object. */
export type Logger = winston.Logger;

/** Who is logging: carried on every line. */
export interface LoggerOptions {
  service: string;
  instance?: string;
  level?: string;
  /** Where lines go; stdout unless a test captures them. */
  stream?: NodeJS.WritableStream;
}

/** The default instance id: host and pid, unique across servers running the same app. */
export function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * winston writing JSON lines with `service`, `instance` and an ISO timestamp. Error objects
 * are flattened to message and stack so a line never loses the reason.
 */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: { service: options.service, instance: options.instance ?? defaultInstanceId() },
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [transport],
  });
}

/**
 * Whether `logger` writes lines of `level`, without winston's `isLevelEnabled`, which builds
 * two arrays and a closure on every call to look at each transport's own level. The loggers
 * of `createLogger` have one transport with no level of its own, so the logger's level
 * decides. For a check on every delivery before a line is built.
 */
export function logsAt(logger: Logger, level: string): boolean {
  const wanted = logger.levels[level];
  const configured = logger.levels[logger.level];
  return wanted !== undefined && configured !== undefined && wanted <= configured;
}
