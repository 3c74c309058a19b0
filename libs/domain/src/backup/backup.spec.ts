import { aBackupJob, aStoreStatusReply } from '../testing/fixtures';
import { newBackupRequest, type BackupRequest } from '../backup-request/backup-request';
import { ValidationError } from '../errors/domain-errors';
import { backupFromReply } from './backup';

const allowedRequest = (dataDate = '2024-03-15'): BackupRequest => ({
  ...newBackupRequest(
    'r-1',
    {
      backupJobId: 'job-1',
      dataDate,
      preparedDataPathName: '/prepared',
      requesterId: 'client-a',
      transportTypeCode: 'HTTP',
    },
    new Date('2024-03-16T00:00:00Z'),
  ),
  statusTypeCode: 'Sent',
  backupProviderCode: 'CloudA',
  storagePathName: '/allowed/path',
});

describe('backupFromReply', () => {
  it('builds the Backup from the request, the job as read now and the reply', () => {
    const job = aBackupJob({ daysToKeep: 30, holdFlag: true, backupProviderCode: 'CloudB' });
    const backup = backupFromReply('b-1', allowedRequest(), job, aStoreStatusReply('r-1'));
    expect(backup).toEqual({
      backupId: 'b-1',
      backupRequestId: 'r-1',
      backupJobId: 'job-1',
      dataDate: '2024-03-15',
      backupProviderCode: 'CloudA',
      daysToKeepCount: 30,
      holdFlag: true,
      storagePathName: '/backups/job-1/r-1',
      backupByteCount: '1048576',
      copyStartTimestamp: new Date('2024-03-16T01:00:00.000Z'),
      copyEndTimestamp: new Date('2024-03-16T01:05:00.000Z'),
      verifyStartTimestamp: new Date('2024-03-16T01:05:01.000Z'),
      verifyEndTimestamp: new Date('2024-03-16T01:06:00.000Z'),
      verifyHashText: 'sha256:0f1e2d',
      dueToDeleteDate: '2024-04-14',
      deletedTimestamp: null,
    });
  });

  it('takes the storage path from the reply, not from the job or the request', () => {
    const reply = aStoreStatusReply('r-1', { storagePathName: '/where/it/landed' });
    expect(backupFromReply('b-1', allowedRequest(), aBackupJob(), reply).storagePathName).toBe(
      '/where/it/landed',
    );
  });

  it.each([
    ['2024-03-15', 30, '2024-04-14'],
    ['2024-02-29', 365, '2025-02-28'],
    ['2023-12-31', 1, '2024-01-01'],
    ['2024-01-31', 29, '2024-02-29'],
    ['2024-03-15', 0, '2024-03-15'],
  ])('dueToDeleteDate of dataDate %s kept %i days is %s', (dataDate, daysToKeep, due) => {
    const backup = backupFromReply(
      'b-1',
      allowedRequest(dataDate),
      aBackupJob({ daysToKeep }),
      aStoreStatusReply('r-1'),
    );
    expect(backup.dueToDeleteDate).toBe(due);
    expect(backup.daysToKeepCount).toBe(daysToKeep);
  });

  it('leaves the verification fields null when the reply has none', () => {
    const reply = aStoreStatusReply('r-1', {
      verifyStartTimestamp: undefined,
      verifyEndTimestamp: undefined,
      verifiedHash: undefined,
    });
    const backup = backupFromReply('b-1', allowedRequest(), aBackupJob(), reply);
    expect(backup).toMatchObject({
      verifyStartTimestamp: null,
      verifyEndTimestamp: null,
      verifyHashText: null,
    });
  });

  it("falls back to the job's provider when the request has none", () => {
    const request = { ...allowedRequest(), backupProviderCode: null };
    const job = aBackupJob({ backupProviderCode: 'CloudB' });
    expect(backupFromReply('b-1', request, job, aStoreStatusReply('r-1')).backupProviderCode).toBe(
      'CloudB',
    );
  });

  it('keeps a byte count beyond 2^32 exact as a decimal string', () => {
    const reply = aStoreStatusReply('r-1', { backupByteCount: 5_000_000_000_123 });
    expect(backupFromReply('b-1', allowedRequest(), aBackupJob(), reply).backupByteCount).toBe(
      '5000000000123',
    );
  });

  it('rejects a retention that cannot be expressed as a date', () => {
    const job = aBackupJob({ daysToKeep: 5_000_000 });
    expect(() => backupFromReply('b-1', allowedRequest(), job, aStoreStatusReply('r-1'))).toThrow(
      ValidationError,
    );
  });
});
