import {
  CALLBACK_ATTEMPT_REASON_MAX,
  clipText,
  type CallbackAttemptLog,
  type CallbackAttemptRecord,
} from '@linebacker/domain';
import type { DataSource } from 'typeorm';
import { CallbackAttemptSchema, type CallbackAttemptRow } from '../schema/callback-attempt.schema';
import { withConnection } from './connection';
import { lookupId } from './lookup-id';

const toRecord = ({ callbackAttemptId: _id, ...record }: CallbackAttemptRow) => record;

/** CallbackAttemptLog on PostgreSQL (`callback_attempt`). */
export class TypeormCallbackAttemptLog implements CallbackAttemptLog {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends one attempt; a reason longer than the column is cut. */
  async record(attempt: CallbackAttemptRecord): Promise<void> {
    await withConnection(this.dataSource, (runner) =>
      runner.manager.insert(CallbackAttemptSchema, {
        ...attempt,
        durationMs: Math.max(0, Math.round(attempt.durationMs)),
        reason: clipText(attempt.reason ?? undefined, CALLBACK_ATTEMPT_REASON_MAX),
      }),
    );
  }

  /** The request's attempts, oldest first. */
  async forRequest(backupRequestId: string): Promise<CallbackAttemptRecord[]> {
    const id = lookupId(backupRequestId, 'backupRequestId');
    if (id === null) return [];
    const rows = await withConnection(this.dataSource, (runner) =>
      runner.manager.find(CallbackAttemptSchema, {
        where: { backupRequestId: id },
        order: { callbackAttemptId: 'ASC' },
      }),
    );
    return rows.map(toRecord);
  }
}
