import type {
  BackupRequest,
  OutboxMessage,
  OverdueReplies,
  OverdueReplyQuery,
} from '@linebacker/domain';
import { passThrough, type Database } from '../database';
import type { BackupRequestRow } from '../schema/backup-request.schema';
import { hydrate, REQUEST_TABLE } from '../schema/table';
import { toRequest } from './backup-request.reads';
import { insertOutboxSql, outboxJson } from './outbox.sql';
import { CLAIM_OVERDUE_REPLIES_SQL, INSERT_RESEND_HISTORY_SQL } from './reply-deadline.sql';

/**
 * The reply deadline's claim (ADR 0210): locks overdue Sent requests, counts and stamps the
 * resends, and writes their history rows and messages, all in one transaction. Returns how
 * many outbox rows it wrote beside what it found.
 */
export async function claimOverdueReplies(
  database: Database,
  query: OverdueReplyQuery,
  resend: (request: BackupRequest, resendNumber: number) => OutboxMessage,
): Promise<OverdueReplies & { written: number }> {
  if (query.limit <= 0) return { resent: [], exhausted: [], written: 0 };
  const params = [query.sentBefore, query.limit, query.now, query.maxResends];
  return database.inTransaction(async (session) => {
    const rows = await session.rows(CLAIM_OVERDUE_REPLIES_SQL, params);
    const claimed = rows.map((row) => ({
      resent: row['resent'] === true,
      row: hydrate<BackupRequestRow>(REQUEST_TABLE, row),
    }));
    const resent = claimed.filter((c) => c.resent).map((c) => c.row);
    const messages = await passThrough(async () =>
      resent.map((row) => resend(toRequest(row), row.replyResendCount)),
    );
    if (messages.length > 0) {
      const history = resent.map((row, n) => ({
        backup_request_id: row.backupRequestId,
        at: query.now,
        by: query.by,
        message_id: messages[n]?.messageId ?? null,
      }));
      await session.rows(INSERT_RESEND_HISTORY_SQL, [JSON.stringify(history)]);
      await session.rows(insertOutboxSql('$1'), [outboxJson(messages)]);
    }
    return {
      resent: resent.map(toRequest),
      exhausted: claimed.filter((c) => !c.resent).map((c) => toRequest(c.row)),
      written: messages.length,
    };
  });
}
