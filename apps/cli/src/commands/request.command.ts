import type {
  Backup,
  BackupRequest,
  CallbackAttemptRecord,
  StatusHistoryEntry,
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

/** `request show <id>`: exit 3 when no request has that id. */
export async function showRequest(db: CliDatabase, id: string): Promise<CommandResult> {
  const request = await db.requests.findById(id);
  if (!request) throw new CliError(EXIT.notFound, `no backup request ${id}`, 'RequestNotFound');
  const [history, backup, callbackAttempts] = await Promise.all([
    db.requests.history(id),
    db.backups.findByRequestId(id),
    db.callbackAttempts.forRequest(id),
  ]);
  const report = { request, history, backup, callbackAttempts };
  return { data: report, text: render(report) };
}
