import type {
  BackupRequest,
  OutboxMessage,
  OverdueReplies,
  OverdueReplyQuery,
} from '@linebacker/domain';
import type { DataSource } from 'typeorm';
import { BackupRequestSchema, type BackupRequestRow } from '../schema/backup-request.schema';
import { toRequest } from './backup-request.reads';
import { hydrate, inTransaction, passThrough, queryRows } from './connection';
import { insertOutboxSql, outboxJson } from './outbox.sql';
import { CLAIM_OVERDUE_REPLIES_SQL, INSERT_RESEND_HISTORY_SQL } from './reply-deadline.sql';

/**
 * The reply deadline's claim (ADR 0210): locks overdue Sent requests, counts and stamps the
 * resends, and writes their history rows and messages, all in one transaction. Returns how
 * many outbox rows it wrote beside what it found.
 */
export async function claimOverdueReplies(
  dataSource: DataSource,
  query: OverdueReplyQuery,
  resend: (request: BackupRequest, resendNumber: number) => OutboxMessage,
): Promise<OverdueReplies & { written: number }> {
  if (query.limit <= 0) return { resent: [], exhausted: [], written: 0 };
  const params = [query.sentBefore, query.limit, query.now, query.maxResends];
  return inTransaction(dataSource, async (runner) => {
    const rows = await queryRows(runner, CLAIM_OVERDUE_REPLIES_SQL, params);
    const claimed = rows.map((row) => ({
      resent: row['resent'] === true,
      row: hydrate<BackupRequestRow>(dataSource, BackupRequestSchema, row),
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
      await runner.query(INSERT_RESEND_HISTORY_SQL, [JSON.stringify(history)]);
      await runner.query(insertOutboxSql('$1'), [outboxJson(messages)]);
    }
    return {
      resent: resent.map(toRequest),
      exhausted: claimed.filter((c) => !c.resent).map((c) => toRequest(c.row)),
      written: messages.length,
    };
  });
}
