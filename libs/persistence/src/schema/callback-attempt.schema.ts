import type { CallbackAttemptRecord } from '@linebacker/domain';
import { EntitySchema } from 'typeorm/entity-schema/EntitySchema';

/** A callback_attempt row: one POST of a request's end state, in insertion order. */
export interface CallbackAttemptRow extends CallbackAttemptRecord {
  /** bigserial as a decimal string. */
  callbackAttemptId: string;
}

/** The mapping of callback attempts onto `callback_attempt` (ADR 0214). */
export const CallbackAttemptSchema = new EntitySchema<CallbackAttemptRow>({
  name: 'CallbackAttempt',
  tableName: 'callback_attempt',
  columns: {
    callbackAttemptId: {
      name: 'callback_attempt_id',
      type: 'bigint',
      primary: true,
      generated: 'increment',
    },
    backupRequestId: { name: 'backup_request_id', type: 'uuid' },
    eventId: { name: 'event_id', type: 'varchar', length: 100 },
    attemptedAt: { name: 'attempted_timestamp', type: 'timestamptz' },
    outcome: { name: 'outcome_code', type: 'varchar', length: 20 },
    statusCode: { name: 'http_status_code', type: 'integer', nullable: true },
    durationMs: { name: 'duration_ms', type: 'integer' },
    reason: { name: 'reason_text', type: 'varchar', length: 500, nullable: true },
  },
});
