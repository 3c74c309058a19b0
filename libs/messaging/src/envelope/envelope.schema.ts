import { ENVELOPE_VERSION } from '../port/envelope';

/** Routing keys (event types): dot-separated lower-case kebab words, e.g. `backup-request.allowed`. */
export const EVENT_TYPE_PATTERN = '^[a-z0-9]+(?:-[a-z0-9]+)*(?:\\.[a-z0-9]+(?:-[a-z0-9]+)*)*$';

/**
 * An RFC 3339 date-time (`toISOString()` writes one): ranges checked per field, not the
 * calendar (Feb 30 passes). A pattern, not ajv's `date-time` format, because the envelope is
 * checked on every publish and every delivery and the format's calendar check cost about as
 * much as parsing the JSON (`occurredAt` is informational; payload timestamps keep the format).
 */
export const TIMESTAMP_PATTERN =
  '^\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])[Tt ](?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[Zz]|[+-](?:[01]\\d|2[0-3]):?[0-5]\\d)$';

/**
 * JSON Schema of envelope version 1. Unknown top-level fields are rejected: a newer layout
 * must bump `envelopeVersion`, so an old consumer dead-letters it with a clear reason instead
 * of silently ignoring fields it does not understand.
 */
export const ENVELOPE_SCHEMA = {
  $id: 'linebacker/envelope/v1',
  type: 'object',
  additionalProperties: false,
  required: [
    'envelopeVersion',
    'messageId',
    'type',
    'typeVersion',
    'correlationId',
    'causationId',
    'occurredAt',
    'attempt',
    'payload',
  ],
  properties: {
    envelopeVersion: { const: ENVELOPE_VERSION },
    messageId: { type: 'string', minLength: 1, maxLength: 200 },
    type: { type: 'string', maxLength: 200, pattern: EVENT_TYPE_PATTERN },
    typeVersion: { type: 'integer', minimum: 1 },
    correlationId: { type: 'string', minLength: 1, maxLength: 200 },
    causationId: { type: ['string', 'null'], maxLength: 200 },
    occurredAt: { type: 'string', maxLength: 64, pattern: TIMESTAMP_PATTERN },
    attempt: { type: 'integer', minimum: 1 },
    payload: { type: 'object' },
  },
} as const;
