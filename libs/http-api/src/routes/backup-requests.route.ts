import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FromSchema } from 'json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import {
  receiveBackupRequest,
  getBackupRequest,
  PermanentError,
  ValidationError,
  NO_CALLBACK_TARGETS,
  type CallbackTargets,
  type ReceiveBackupRequestDeps,
  type BackupRequest,
  type GetBackupRequestDeps,
} from '@linebacker/domain';
import { authorizeSubmission, type DataDateWindow } from '../auth/authorization';
import { AuthError, POST_SCOPE, type Authenticator, type Principal } from '../auth/principal';
import {
  acceptedSchema,
  callbackAttemptSchema,
  API_VERSION,
  API_VERSION_2022,
  API_VERSIONS,
  errorSchema,
  idParamsSchema,
  postBodySchema,
  postHeadersSchema,
  requestViewSchema,
} from './schemas';

/** What the backup-request routes need. */
export interface BackupRequestRoutesDeps extends ReceiveBackupRequestDeps, GetBackupRequestDeps {
  authenticate: Authenticator;
  dataDateWindow: DataDateWindow;
  /** Where end states are POSTed; without it, no request has a callback. */
  callbackTargets?: CallbackTargets;
}

/** The principal the onRequest hook set (every route here asks for authentication). */
function principalOf(request: { principal?: Principal }): Principal {
  if (!request.principal) throw new AuthError(401, 'Unauthenticated', 'not authenticated');
  return request.principal;
}

const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  429: errorSchema,
  503: errorSchema,
};

const isoOrNull = (value: Date | null): string | null =>
  value === null ? null : value.toISOString();

/** The request as the API shows it (its type is the response schema's). */
type RequestView = FromSchema<typeof requestViewSchema>;

/** The request as the API shows it: instants as ISO strings, internal fields left out. */
function toView(request: BackupRequest): RequestView {
  return {
    backupRequestId: request.backupRequestId,
    backupJobId: request.backupJobId,
    dataDate: request.dataDate,
    preparedDataPathName: request.preparedDataPathName,
    transportTypeCode: request.transportTypeCode,
    statusTypeCode: request.statusTypeCode,
    backupProviderCode: request.backupProviderCode,
    storagePathName: request.storagePathName,
    requesterId: request.requesterId,
    receivedTimestamp: request.receivedTimestamp.toISOString(),
    checkedTimestamp: isoOrNull(request.checkedTimestamp),
    sentToInterfaceTimestamp: isoOrNull(request.sentToInterfaceTimestamp),
    replyTimestamp: isoOrNull(request.replyTimestamp),
    replyMessageText: request.replyMessageText,
    callbackUrl: request.callbackUrl,
  };
}

/** POST and GET of backup requests (SPEC §3). */
export async function backupRequestRoutes(
  fastify: FastifyInstance,
  deps: BackupRequestRoutesDeps,
): Promise<void> {
  // Request types come from the route schemas themselves (json-schema-to-ts), so the JSON
  // schema the server validates with is the one statement of a body's or a param's shape.
  const app = fastify.withTypeProvider<JsonSchemaToTsProvider>();
  app.post(
    '/api/backup-requests',
    {
      config: { authenticate: true },
      schema: {
        summary: 'Ask for a backup of a prepared data set',
        body: postBodySchema,
        headers: postHeadersSchema,
        response: {
          202: acceptedSchema,
          ...errors,
          409: errorSchema,
          413: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!principal.scopes.includes(POST_SCOPE)) {
        throw new AuthError(403, 'Forbidden', `the token lacks the ${POST_SCOPE} scope`);
      }
      const body = request.body;
      if (!API_VERSIONS.includes(body.apiVersion)) {
        throw new PermanentError(
          'InvalidApiVersion',
          `apiVersion must be one of ${API_VERSIONS.join(', ')}`,
        );
      }
      if (body.apiVersion === API_VERSION_2022 && body.callbackUrl !== undefined) {
        throw new ValidationError(`callbackUrl needs apiVersion ${API_VERSION}`, 'callbackUrl');
      }
      const location = authorizeSubmission(principal, body, deps.dataDateWindow, deps.clock.now());
      // After the rights check, so a refused job or location never costs a DNS lookup.
      const callbackUrl = await (deps.callbackTargets ?? NO_CALLBACK_TARGETS).targetFor(
        principal.requesterId,
        body.callbackUrl,
      );
      const result = await receiveBackupRequest(deps, {
        backupJobId: body.backupJobId,
        dataDate: body.dataDate,
        preparedDataPathName: location,
        requesterId: principal.requesterId,
        transportTypeCode: 'HTTP',
        correlationId: request.id,
        idempotencyKey: request.headers['idempotency-key'],
        callbackUrl,
      });
      if (result.outcome === 'replayed') void reply.header('idempotent-replayed', 'true');
      return reply.status(202).send(toView(result.request));
    },
  );

  app.get(
    '/api/backup-requests/:id',
    {
      config: { authenticate: true },
      schema: {
        summary: 'Read a backup request, its status history and its Backup',
        params: idParamsSchema,
        response: {
          200: {
            type: 'object',
            properties: {
              ...requestViewSchema.properties,
              history: { type: 'array', items: { type: 'object', additionalProperties: true } },
              backup: { type: ['object', 'null'], additionalProperties: true },
              callbackAttempts: { type: 'array', items: callbackAttemptSchema },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const view = await getBackupRequest(deps, {
        backupRequestId: request.params.id,
        requesterId: principal.requesterId,
      });
      return {
        ...toView(view.request),
        history: view.history,
        backup: view.backup,
        callbackAttempts: view.callbackAttempts.map(({ backupRequestId: _id, ...attempt }) => ({
          ...attempt,
          durationMs: Math.round(attempt.durationMs),
        })),
      };
    },
  );
}
