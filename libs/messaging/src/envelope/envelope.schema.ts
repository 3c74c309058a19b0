import { ENVELOPE_VERSION } from '../port/envelope';

/** Routing keys (event types): dot-separated lower-case kebab words, e.g. `backup-request.allowed`. */
export const EVENT_TYPE_PATTERN = '^[a-z0-9]+(?:-[a-z0-9]+)*(?:\\.[a-z0-9]+(?:-[a-z0-9]+)*)*$';

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
    occurredAt: { type: 'string', format: 'date-time' },
    attempt: { type: 'integer', minimum: 1 },
    payload: { type: 'object' },
  },
} as const;
