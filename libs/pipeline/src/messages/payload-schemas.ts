import { ALL_EVENT_TYPES, EVENT_TYPES, REQUEST_LIMITS } from '@linebacker/domain';

const uuid = { type: 'string', format: 'uuid' } as const;
const instant = { type: 'string', format: 'date-time' } as const;

/** The status reply of the backup interface (SPEC §2, reply side), strict. */
export const storeStatusReplySchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'apiVersion',
    'backupRequestId',
    'storagePathName',
    'resultTypeCode',
    'backupByteCount',
    'copyStartTimestamp',
    'copyEndTimestamp',
  ],
  properties: {
    apiVersion: { type: 'string', minLength: 1, maxLength: 20 },
    backupRequestId: uuid,
    storagePathName: { type: 'string', minLength: 1, maxLength: REQUEST_LIMITS.storagePathNameMax },
    resultTypeCode: { enum: ['Succeeded', 'Failed'] },
    backupByteCount: { type: 'integer', minimum: 0 },
    copyStartTimestamp: instant,
    copyEndTimestamp: instant,
    verifyStartTimestamp: instant,
    verifyEndTimestamp: instant,
    verifiedHash: { type: 'string', maxLength: 500 },
    messageText: { type: 'string', maxLength: 2000 },
  },
} as const;

/** The payload of every backup-request event: just the id (the rest is read from PostgreSQL). */
export const requestEventPayloadSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['backupRequestId'],
  properties: { backupRequestId: uuid },
} as const;

/** Payload schemas by event type, validated by the bus on publish and on consume. */
export const PAYLOAD_SCHEMAS: Readonly<Record<string, object>> = Object.fromEntries(
  ALL_EVENT_TYPES.map((type) => {
    if (type === EVENT_TYPES.storeStatusReceived) return [type, storeStatusReplySchema];
    if (type === EVENT_TYPES.recoveryRequested) return [type, { type: 'object' }];
    return [type, requestEventPayloadSchema];
  }),
);
