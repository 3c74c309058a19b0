import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { isLinebackerError, describeError } from '@linebacker/domain';
import type { Logger } from '@linebacker/runtime';
import { AuthError } from './auth';

/** The status code for each domain error code the API can surface. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  InvalidInput: 400,
  InvalidApiVersion: 400,
  RequestNotFound: 404,
  IdempotencyKeyInFlight: 409,
  IdempotencyKeyReused: 422,
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
    const statusCode = STATUS_BY_CODE[error.code] ?? STATUS_BY_KIND[error.kind];
    // Dependency details stay in the log; the caller learns only that it may retry.
    const message = statusCode === 503 ? 'the service is temporarily unavailable' : error.message;
    return { statusCode, code: error.code, message };
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
    if (body.statusCode >= 500) {
      logger.error('request failed', {
        method: request.method,
        url: request.url,
        correlationId: request.id,
        error: describeError(error),
        stack: (error as Error).stack,
      });
    }
    if (body.statusCode === 503) void reply.header('retry-after', '1');
    return reply.status(body.statusCode).send({ code: body.code, message: body.message });
  });
  app.setNotFoundHandler((request, reply) => {
    onErrorReply(request, 404, 'NotFound');
    return reply
      .status(404)
      .send({ code: 'NotFound', message: `no route for ${request.method} ${request.url}` });
  });
}
