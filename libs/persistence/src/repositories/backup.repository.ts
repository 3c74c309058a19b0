import type { Backup, BackupRepository } from '@linebacker/domain';
import type { Database } from '../database';
import { BACKUP_TABLE, columnList, hydrate } from '../schema/table';
import { lookupId } from './lookup-id';

const FIND_BY_REQUEST_SQL = `SELECT ${columnList(BACKUP_TABLE.columns)}
  FROM ${BACKUP_TABLE.name} WHERE ${BACKUP_TABLE.column.backupRequestId} = $1`;

/** BackupRepository on PostgreSQL. */
export class PostgresBackupRepository implements BackupRepository {
  constructor(private readonly database: Database) {}

  /** The request's Backup, or null; an empty or missing id throws ValidationError. */
  async findByRequestId(backupRequestId: string): Promise<Backup | null> {
    const id = lookupId(backupRequestId, 'backupRequestId');
    if (id === null) return null;
    const [row] = await this.database.query(FIND_BY_REQUEST_SQL, [id]);
    return row ? hydrate(BACKUP_TABLE, row) : null;
  }
}
