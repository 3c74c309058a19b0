import { ConfigError } from '@linebacker/runtime';
import { isLinebackerError } from '@linebacker/domain';

/** The CLI's exit codes (documented in docs/operator-cli.md). */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** The operation itself failed (e.g. a publish was refused). */
  failed: 1,
  /** Bad usage: unknown command or option, missing argument, bad configuration. */
  usage: 2,
  /** The request, dead letter or queue named does not exist. */
  notFound: 3,
  /** PostgreSQL or RabbitMQ could not be reached (or did not answer in time). */
  unavailable: 4,
} as const;

/** An error with the exit code the CLI ends with. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly code = 'CliError',
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Dependency failures by kind; permanent ones by code (a missing queue is "not found"). A
 * privilege the CLI's role lacks is reached-and-refused, not an outage: the services wait
 * for it to be fixed, the operator gets exit 1 and the grants to check.
 */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof ConfigError) return new CliError(EXIT.usage, error.message, 'BadConfig');
  if (isLinebackerError(error)) {
    if (error.code === 'DatabasePermissionDenied')
      return new CliError(EXIT.failed, error.message, error.code);
    if (error.kind !== 'permanent')
      return new CliError(EXIT.unavailable, error.message, error.code);
    const notFound = /NotFound$/.test(error.code);
    return new CliError(notFound ? EXIT.notFound : EXIT.failed, error.message, error.code);
  }
  return new CliError(EXIT.failed, error instanceof Error ? error.message : String(error));
}
