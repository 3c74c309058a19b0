import { EntitySchema } from 'typeorm/entity-schema/EntitySchema';

/** An intake_idempotency_key row: which request an Idempotency-Key produced. */
export interface IdempotencyKeyRow {
  requesterId: string;
  idempotencyKey: string;
  fingerprint: string;
  backupRequestId: string;
  createdAt: Date;
}

/** The mapping of stored Idempotency-Keys onto `intake_idempotency_key`. */
export const IdempotencyKeySchema = new EntitySchema<IdempotencyKeyRow>({
  name: 'IdempotencyKey',
  tableName: 'intake_idempotency_key',
  columns: {
    requesterId: { name: 'requester_id', type: 'varchar', length: 200, primary: true },
    idempotencyKey: { name: 'idempotency_key', type: 'varchar', length: 200, primary: true },
    fingerprint: { name: 'fingerprint', type: 'text' },
    backupRequestId: { name: 'backup_request_id', type: 'uuid' },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});
