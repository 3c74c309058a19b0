import type { Backup, BackupRequest, StatusHistoryEntry } from '@linebacker/domain';
import { CliError, EXIT } from '../exit-codes';
import { display, table, type CommandResult } from '../output';
import type { CliDatabase } from '../connections';

/** A request, its full status history and its Backup, as `request show` reports them. */
export interface RequestReport {
  request: BackupRequest;
  history: StatusHistoryEntry[];
  backup: Backup | null;
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

function render({ request, history, backup }: RequestReport): string {
  return [
    `request ${request.backupRequestId}  ${request.statusTypeCode}`,
    ...lines(request, REQUEST_FIELDS),
    '',
    'history',
    table(
      ['at', 'from', 'to', 'by', 'message id'],
      history.map((h) => [h.at, h.fromStatus, h.toStatus, h.by, h.messageId]),
    )
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
    '',
    backup ? ['backup', ...lines(backup, BACKUP_FIELDS)].join('\n') : 'backup  none',
  ].join('\n');
}

/** `request show <id>`: exit 3 when no request has that id. */
export async function showRequest(db: CliDatabase, id: string): Promise<CommandResult> {
  const request = await db.requests.findById(id);
  if (!request) throw new CliError(EXIT.notFound, `no backup request ${id}`, 'RequestNotFound');
  const [history, backup] = await Promise.all([
    db.requests.history(id),
    db.backups.findByRequestId(id),
  ]);
  const report = { request, history, backup };
  return { data: report, text: render(report) };
}
