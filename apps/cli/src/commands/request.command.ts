import {
  getBackupRequest,
  RequestNotFoundError,
  type Backup,
  type BackupRequest,
  type CallbackAttemptRecord,
  type StatusHistoryEntry,
} from '@linebacker/domain';
import { CliError, EXIT } from '../exit-codes';
import { display, table, type CommandResult } from '../output';
import type { CliDatabase } from '../connections';

/** A request, its status history, its Backup and its callback attempts, as `request show` has them. */
export interface RequestReport {
  request: BackupRequest;
  history: StatusHistoryEntry[];
  backup: Backup | null;
  callbackAttempts: CallbackAttemptRecord[];
}

const REQUEST_FIELDS: ReadonlyArray<keyof BackupRequest> = [
  'backupJobId',
  'dataDate',
  'preparedDataPathName',
  'transportTypeCode',
  'requesterId',
  'correlationId',
  'backupProviderCode',
  'storagePathName',
  'receivedTimestamp',
  'checkedTimestamp',
  'sentToInterfaceTimestamp',
  'replyTimestamp',
  'replyMessageText',
  'callbackUrl',
];

const BACKUP_FIELDS: ReadonlyArray<keyof Backup> = [
  'backupId',
  'storagePathName',
  'backupByteCount',
  'copyStartTimestamp',
  'copyEndTimestamp',
  'verifyHashText',
  'daysToKeepCount',
  'holdFlag',
  'dueToDeleteDate',
  'deletedTimestamp',
];

const lines = <T>(record: T, fields: ReadonlyArray<keyof T>): string[] =>
  fields.map((field) => `  ${String(field).padEnd(24)} ${display(record[field])}`);

const indented = (text: string): string =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

function render({ request, history, backup, callbackAttempts }: RequestReport): string {
  return [
    `request ${request.backupRequestId}  ${request.statusTypeCode}`,
    ...lines(request, REQUEST_FIELDS),
    '',
    'history',
    indented(
      table(
        ['at', 'from', 'to', 'by', 'message id'],
        history.map((h) => [h.at, h.fromStatus, h.toStatus, h.by, h.messageId]),
      ),
    ),
    '',
    backup ? ['backup', ...lines(backup, BACKUP_FIELDS)].join('\n') : 'backup  none',
    ...(callbackAttempts.length === 0
      ? []
      : [
          '',
          'callback attempts',
          indented(
            table(
              ['at', 'outcome', 'status', 'ms', 'reason'],
              callbackAttempts.map((a) => [
                a.attemptedAt,
                a.outcome,
                a.statusCode,
                a.durationMs,
                a.reason,
              ]),
            ),
          ),
        ]),
  ].join('\n');
}

/** `request show <id>`: exit 3 when no request has that id. The operator reads any request. */
export async function showRequest(db: CliDatabase, id: string): Promise<CommandResult> {
  try {
    const report = await getBackupRequest(db, { backupRequestId: id, requesterId: null });
    return { data: report, text: render(report) };
  } catch (error) {
    if (error instanceof RequestNotFoundError)
      throw new CliError(EXIT.notFound, `no backup request ${id}`, 'RequestNotFound');
    throw error;
  }
}
