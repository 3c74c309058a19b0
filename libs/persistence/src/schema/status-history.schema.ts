import type { StatusHistoryEntry } from '@linebacker/domain';
import { EntitySchema } from 'typeorm/entity-schema/EntitySchema';

/** A backup_request_status_history row: one status change, in insertion order. */
export interface StatusHistoryRow extends StatusHistoryEntry {
  /** bigserial as a decimal string. */
  statusHistoryId: string;
}

/** The mapping of a request's status history onto `backup_request_status_history`. */
export const StatusHistorySchema = new EntitySchema<StatusHistoryRow>({
  name: 'StatusHistory',
  tableName: 'backup_request_status_history',
  columns: {
    statusHistoryId: {
      name: 'status_history_id',
      type: 'bigint',
      primary: true,
      generated: 'increment',
    },
    backupRequestId: { name: 'backup_request_id', type: 'uuid' },
    fromStatus: { name: 'from_status_type_code', type: 'varchar', length: 20, nullable: true },
    toStatus: { name: 'to_status_type_code', type: 'varchar', length: 20 },
    at: { name: 'status_timestamp', type: 'timestamptz' },
    by: { name: 'changed_by_service_name', type: 'varchar', length: 100 },
    messageId: { name: 'message_id', type: 'varchar', length: 250, nullable: true },
  },
});
