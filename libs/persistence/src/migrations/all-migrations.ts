import { CreateBackupRequest1795795200001 } from './1795795200001-create-backup-request.migration';
import { CreateStatusHistory1795795200002 } from './1795795200002-create-status-history.migration';
import { CreateBackup1795795200003 } from './1795795200003-create-backup.migration';
import { CreateOutbox1795795200004 } from './1795795200004-create-outbox.migration';
import { CreateIntakeIdempotencyKey1795795200005 } from './1795795200005-create-intake-idempotency-key.migration';
import { GrantLinebackerRoles1795795200006 } from './1795795200006-grant-linebacker-roles.migration';
import { AddReplyDeadline1795795200007 } from './1795795200007-add-reply-deadline.migration';
import { CaptureJobFacts1795795200008 } from './1795795200008-capture-job-facts.migration';
import { SendClaim1795795200009 } from './1795795200009-send-claim.migration';
import { RetentionIndexes1795795200010 } from './1795795200010-retention-indexes.migration';
import { GrantRetentionRole1795795200011 } from './1795795200011-grant-retention-role.migration';
import { AddCallbackUrl1795795200012 } from './1795795200012-add-callback-url.migration';
import { CreateCallbackAttempt1795795200013 } from './1795795200013-create-callback-attempt.migration';
import { OutboxLanes1795795200014 } from './1795795200014-outbox-lanes.migration';

/** Every migration, oldest first. */
export const ALL_MIGRATIONS = [
  CreateBackupRequest1795795200001,
  CreateStatusHistory1795795200002,
  CreateBackup1795795200003,
  CreateOutbox1795795200004,
  CreateIntakeIdempotencyKey1795795200005,
  GrantLinebackerRoles1795795200006,
  AddReplyDeadline1795795200007,
  CaptureJobFacts1795795200008,
  SendClaim1795795200009,
  RetentionIndexes1795795200010,
  GrantRetentionRole1795795200011,
  AddCallbackUrl1795795200012,
  CreateCallbackAttempt1795795200013,
  OutboxLanes1795795200014,
];

/** Where TypeORM records which migrations ran. */
export const MIGRATIONS_TABLE_NAME = 'linebacker_migration';
