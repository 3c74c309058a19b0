import type { Backup, BackupRepository } from '@linebacker/domain';
import type { DataSource } from 'typeorm';
import { BackupSchema } from '../schema/backup.schema';
import { withConnection } from './connection';
import { lookupId } from './lookup-id';

/** BackupRepository on PostgreSQL. */
export class TypeormBackupRepository implements BackupRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The request's Backup, or null; an empty or missing id throws ValidationError. */
  async findByRequestId(backupRequestId: string): Promise<Backup | null> {
    const id = lookupId(backupRequestId, 'backupRequestId');
    if (id === null) return null;
    return withConnection(this.dataSource, (runner) =>
      runner.manager.findOne(BackupSchema, { where: { backupRequestId: id } }),
    );
  }
}
