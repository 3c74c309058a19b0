import type { BackupRequest } from '@linebacker/domain';
import { EntitySchema } from 'typeorm/entity-schema/EntitySchema';

/** A backup_request row: the aggregate plus recovery's and the sender's bookkeeping. */
export interface BackupRequestRow extends BackupRequest {
  /** When recovery last re-drove the request; keeps concurrent recoverers from repeating it. */
  redrivenTimestamp: Date | null;
  /** Resends after a reply deadline (ADR 0210). */
  replyResendCount: number;
  /** When the last resend was decided; the next deadline counts from here. */
  replyResentTimestamp: Date | null;
  /** The send claim's holder (ADR 0212); only it may release the claim. */
  sendClaimToken: string | null;
  /** When the send claim lapses; until then no other handler may claim the send. */
  sendClaimExpiresTimestamp: Date | null;
}

const timestamp = (name: string, nullable = false) =>
  ({ name, type: 'timestamptz', nullable }) as const;

/** The mapping of the BackupRequest aggregate onto `backup_request` (columns as migrated). */
export const BackupRequestSchema = new EntitySchema<BackupRequestRow>({
  name: 'BackupRequest',
  tableName: 'backup_request',
  columns: {
    backupRequestId: { name: 'backup_request_id', type: 'uuid', primary: true },
    backupJobId: { name: 'backup_job_id', type: 'varchar', length: 50 },
    dataDate: { name: 'data_date', type: 'date' },
    preparedDataPathName: { name: 'prepared_data_path_name', type: 'varchar', length: 250 },
    transportTypeCode: { name: 'transport_type_code', type: 'varchar', length: 10 },
    statusTypeCode: { name: 'status_type_code', type: 'varchar', length: 20 },
    backupProviderCode: {
      name: 'backup_provider_code',
      type: 'varchar',
      length: 10,
      nullable: true,
    },
    storagePathName: { name: 'storage_path_name', type: 'varchar', length: 250, nullable: true },
    daysToKeepCount: { name: 'days_to_keep_count', type: 'integer', nullable: true },
    holdFlag: { name: 'hold_flag', type: 'boolean', nullable: true },
    requesterId: { name: 'requester_id', type: 'varchar', length: 200 },
    correlationId: { name: 'correlation_id', type: 'varchar', length: 200 },
    receivedTimestamp: timestamp('received_timestamp'),
    checkedTimestamp: timestamp('checked_timestamp', true),
    sentToInterfaceTimestamp: timestamp('sent_to_interface_timestamp', true),
    replyTimestamp: timestamp('reply_timestamp', true),
    replyMessageText: { name: 'reply_message_text', type: 'varchar', length: 250, nullable: true },
    callbackUrl: { name: 'callback_url', type: 'varchar', length: 1000, nullable: true },
    statusTimestamp: timestamp('status_timestamp'),
    redrivenTimestamp: timestamp('redriven_timestamp', true),
    replyResendCount: { name: 'reply_resend_count', type: 'integer', default: 0 },
    replyResentTimestamp: timestamp('reply_resent_timestamp', true),
    sendClaimToken: { name: 'send_claim_token', type: 'uuid', nullable: true },
    sendClaimExpiresTimestamp: timestamp('send_claim_expires_timestamp', true),
  },
});
