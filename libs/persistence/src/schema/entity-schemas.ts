import { BackupRequestSchema } from './backup-request.schema';
import { BackupSchema } from './backup.schema';
import { CallbackAttemptSchema } from './callback-attempt.schema';
import { IdempotencyKeySchema } from './idempotency-key.schema';
import { OutboxSchema } from './outbox.schema';
import { StatusHistorySchema } from './status-history.schema';

/** Every table's mapping (the migrations, not these, create the tables). */
export const ALL_ENTITY_SCHEMAS = [
  BackupRequestSchema,
  StatusHistorySchema,
  BackupSchema,
  OutboxSchema,
  IdempotencyKeySchema,
  CallbackAttemptSchema,
];
