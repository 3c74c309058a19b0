import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { isLinebackerError, describeError } from '@linebacker/domain';
import type { Logger } from '@linebacker/runtime';
import { AuthError } from './auth/principal';

/**
 * The domain error codes the API shows to callers, with their status. Only these carry their
 * own message; any other error (a database's refusal, say) answers with a generic one, so no
 * PostgreSQL or broker text ever reaches a client.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  InvalidInput: 400,
  InvalidApiVersion: 400,
  LocationNotAllowed: 400,
  DataDateOutOfRange: 400,
  CallbackNotAllowed: 400,
  JobNotAllowed: 403,
  RequestNotFound: 404,
  IdempotencyKeyInFlight: 409,
  IdempotencyKeyReused: 422,
};

/** Refusals worth one warn line each: a client tried what it may not. */
const AUDITED_CODES = new Set(['JobNotAllowed', 'LocationNotAllowed', 'CallbackNotAllowed']);

const GENERIC_MESSAGE: Readonly<Record<number, string>> = {
  400: 'the request cannot be processed as given',
  503: 'the service is temporarily unavailable',
};

/** The status for an error kind when its code has no entry of its own. */
const STATUS_BY_KIND = { permanent: 400, transient: 503, unavailable: 503 } as const;

interface ErrorReply {
  statusCode: number;
  code: string;
  message: string;
}

function toReply(error: unknown): ErrorReply {
  if (error instanceof AuthError) {
    return { statusCode: error.statusCode, code: error.code, message: error.message };
  }
  if (isLinebackerError(error)) {
    const known = STATUS_BY_CODE[error.code];
    if (known !== undefined) return { statusCode: known, code: error.code, message: error.message };
    // Dependency details stay in the log; the caller learns only whether it may retry.
    const statusCode = STATUS_BY_KIND[error.kind];
    const code = statusCode === 503 ? 'Unavailable' : 'Rejected';
    return { statusCode, code, message: GENERIC_MESSAGE[statusCode] ?? 'refused' };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return { statusCode: 400, code: 'InvalidRequest', message: fastifyError.message };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      statusCode: status,
      code: fastifyError.code ?? 'BadRequest',
      message: fastifyError.message,
    };
  }
  return { statusCode: 500, code: 'InternalError', message: 'an unexpected error occurred' };
}

/**
 * The one place that maps errors to HTTP statuses: codes first, then the error's kind.
 * A 5xx never carries a stack trace or a dependency's message.
 */
export function installErrorHandler(
  app: FastifyInstance,
  logger: Logger,
  onErrorReply: (request: FastifyRequest, statusCode: number, code: string) => void = () =>
    undefined,
): void {
  app.setErrorHandler((error, request, reply) => {
    const body = toReply(error);
    onErrorReply(request, body.statusCode, body.code);
    if (AUDITED_CODES.has(body.code)) {
      const submitted = request.body as { backupJobId?: unknown } | undefined;
      logger.warn('submission refused', {
        code: body.code,
        requesterId: request.principal?.requesterId,
        backupJobId: submitted?.backupJobId,
        correlationId: request.id,
      });
    } else if (body.statusCode >= 500 || (body.code === 'Rejected' && isLinebackerError(error))) {
      logger.error('request failed', {
        method: request.method,
        url: request.url,
        status: body.statusCode,
        correlationId: request.id,
        error: describeError(error),
        stack: (error as Error).stack,
      });
    }
    if (body.statusCode === 503) void reply.header('retry-after', '1');
    if (error instanceof AuthError && error.statusCode === 401) {
      // RFC 6750: a missing token gets the bare challenge, a bad one says so.
      const challenge =
        error.code === 'Unauthenticated'
          ? 'Bearer realm="linebacker"'
          : 'Bearer realm="linebacker", error="invalid_token"';
      void reply.header('www-authenticate', challenge);
    }
    return reply.status(body.statusCode).send({ code: body.code, message: body.message });
  });
  app.setNotFoundHandler((request, reply) => {
    onErrorReply(request, 404, 'NotFound');
    return reply
      .status(404)
      .send({ code: 'NotFound', message: `no route for ${request.method} ${request.url}` });
  });
}
