import type { OutboxRecord } from '@linebacker/domain';
import { EntitySchema } from 'typeorm/entity-schema/EntitySchema';

/** An outbox row: a message waiting for the relay, plus when and by which process it was written. */
export interface OutboxRow extends OutboxRecord {
  createdAt: Date;
  /** The writing session's `linebacker.outbox_lane` (0: none), filled in by the database. */
  lane: number;
}

/** The mapping of the transactional outbox onto `outbox`. */
export const OutboxSchema = new EntitySchema<OutboxRow>({
  name: 'Outbox',
  tableName: 'outbox',
  columns: {
    sequence: { name: 'sequence', type: 'bigint', primary: true, generated: 'increment' },
    messageId: { name: 'message_id', type: 'varchar', length: 250 },
    type: { name: 'type', type: 'varchar', length: 100 },
    correlationId: { name: 'correlation_id', type: 'varchar', length: 200 },
    causationId: { name: 'causation_id', type: 'varchar', length: 250, nullable: true },
    occurredAt: { name: 'occurred_at', type: 'timestamptz' },
    payload: { name: 'payload', type: 'jsonb' },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    lane: { name: 'lane', type: 'integer', insert: false },
  },
});
