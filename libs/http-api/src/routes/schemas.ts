import { CALLBACK_ATTEMPT_OUTCOMES } from '@linebacker/domain';

/** The first API version: no callbackUrl in the body. Still accepted. */
export const API_VERSION_2022 = '2022-05-22';
/** The current API version: the body may name a callbackUrl (ADR 0214). */
export const API_VERSION = '2026-12-05';
/** Every version the receiver accepts, oldest first. */
export const API_VERSIONS: readonly string[] = [API_VERSION_2022, API_VERSION];

/** POST /api/backup-requests body. Strict: unknown fields and wrong types are a 400. */
export const postBodySchema = {
  $id: 'BackupRequestBody',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'backupJobId', 'dataDate', 'backupDataLocation'],
  properties: {
    apiVersion: { type: 'string', description: `one of ${API_VERSIONS.join(', ')}` },
    backupJobId: { type: 'string', minLength: 1, maxLength: 50 },
    dataDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' },
    backupDataLocation: { type: 'string', minLength: 1, maxLength: 250 },
    callbackUrl: {
      type: 'string',
      minLength: 1,
      maxLength: 1000,
      description: `apiVersion ${API_VERSION} on: where the end state is POSTed (https, a host the client may use)`,
    },
  },
} as const;

/** The optional Idempotency-Key header. */
export const postHeadersSchema = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '^[\\x21-\\x7e]+$',
    },
  },
} as const;

const timestamp = { type: ['string', 'null'], format: 'date-time' } as const;

/** The request as the API shows it. */
export const requestViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    backupRequestId: { type: 'string' },
    backupJobId: { type: 'string' },
    dataDate: { type: 'string' },
    preparedDataPathName: { type: 'string' },
    transportTypeCode: { type: 'string' },
    statusTypeCode: { type: 'string' },
    backupProviderCode: { type: ['string', 'null'] },
    storagePathName: { type: ['string', 'null'] },
    requesterId: { type: 'string' },
    receivedTimestamp: timestamp,
    checkedTimestamp: timestamp,
    sentToInterfaceTimestamp: timestamp,
    replyTimestamp: timestamp,
    replyMessageText: { type: ['string', 'null'] },
    callbackUrl: { type: ['string', 'null'] },
  },
} as const;

/** One POST of the end state to the request's callback URL (ADR 0214). */
export const callbackAttemptSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    eventId: { type: 'string' },
    attemptedAt: { type: 'string', format: 'date-time' },
    outcome: {
      type: 'string',
      enum: CALLBACK_ATTEMPT_OUTCOMES,
    },
    statusCode: { type: ['integer', 'null'] },
    durationMs: { type: 'integer' },
    reason: { type: ['string', 'null'] },
  },
} as const;

/** The 202 answer: the request as it was stored at intake. */
export const acceptedSchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    (
      [
        'backupRequestId',
        'backupJobId',
        'dataDate',
        'preparedDataPathName',
        'statusTypeCode',
        'receivedTimestamp',
        'requesterId',
        'callbackUrl',
      ] as const
    ).map((key) => [key, requestViewSchema.properties[key]]),
  ),
} as const;

/** Every error answer. */
export const errorSchema = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
} as const;

/** GET /api/backup-requests/:id params. */
export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;
