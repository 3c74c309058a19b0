import type { Backup } from '@linebacker/domain';
import { EntitySchema } from 'typeorm/entity-schema/EntitySchema';

const timestamp = (name: string, nullable = false) =>
  ({ name, type: 'timestamptz', nullable }) as const;

/** The mapping of a Backup onto `backup` (one per request, enforced by a unique constraint). */
export const BackupSchema = new EntitySchema<Backup>({
  name: 'Backup',
  tableName: 'backup',
  columns: {
    backupId: { name: 'backup_id', type: 'uuid', primary: true },
    backupRequestId: { name: 'backup_request_id', type: 'uuid', unique: true },
    backupJobId: { name: 'backup_job_id', type: 'varchar', length: 50 },
    dataDate: { name: 'data_date', type: 'date' },
    backupProviderCode: { name: 'backup_provider_code', type: 'varchar', length: 10 },
    daysToKeepCount: { name: 'days_to_keep_count', type: 'integer' },
    holdFlag: { name: 'hold_flag', type: 'boolean' },
    storagePathName: { name: 'storage_path_name', type: 'varchar', length: 250 },
    // pg returns int8 as a string, which is what the domain wants: no 2^53 overflow.
    backupByteCount: { name: 'backup_byte_count', type: 'bigint' },
    copyStartTimestamp: timestamp('copy_start_timestamp'),
    copyEndTimestamp: timestamp('copy_end_timestamp'),
    verifyStartTimestamp: timestamp('verify_start_timestamp', true),
    verifyEndTimestamp: timestamp('verify_end_timestamp', true),
    verifyHashText: { name: 'verify_hash_text', type: 'varchar', length: 512, nullable: true },
    dueToDeleteDate: { name: 'due_to_delete_date', type: 'date' },
    deletedTimestamp: timestamp('deleted_timestamp', true),
  },
});
