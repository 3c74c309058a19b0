import { DependencyUnavailableError } from '../errors/domain-errors';
import { FakeBackupJobService } from './fake-backup-job.service';
import { FakeClock } from './fake-clock';
import { aBackupJob } from './fixtures';
import { RecordingBackupInterface } from './recording-backup-interface';
import { RecordingNotifier } from './recording-notifier';
import { SequentialIdGenerator } from './sequential-id-generator';

describe('FakeClock', () => {
  it('stands still, and moves only when set or advanced', () => {
    const clock = new FakeClock('2024-03-16T00:00:00Z');
    expect(clock.now()).toEqual(new Date('2024-03-16T00:00:00Z'));
    expect(clock.advance(1500)).toEqual(new Date('2024-03-16T00:00:01.500Z'));
    clock.set('2024-01-01T00:00:00Z');
    expect(clock.now()).toEqual(new Date('2024-01-01T00:00:00Z'));
  });

  it('hands out a fresh Date each time', () => {
    const clock = new FakeClock();
    clock.now().setTime(0);
    expect(clock.now().getTime()).not.toBe(0);
  });
});

describe('SequentialIdGenerator', () => {
  it('counts up in UUID-shaped ids by default', () => {
    const ids = new SequentialIdGenerator();
    expect([ids.newId(), ids.newId()]).toEqual([
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
    ]);
  });

  it('counts up after a prefix when given one', () => {
    const ids = new SequentialIdGenerator('req-');
    expect([ids.newId(), ids.newId()]).toEqual(['req-1', 'req-2']);
  });
});

describe('FakeBackupJobService', () => {
  it('answers known jobs, null for unknown ones, and records each lookup', async () => {
    const jobs = new FakeBackupJobService([aBackupJob()]);
    expect(await jobs.findJob('job-1')).toEqual(aBackupJob());
    expect(await jobs.findJob('job-2')).toBeNull();
    expect(jobs.lookups).toEqual(['job-1', 'job-2']);
  });

  it('throws the given error until it recovers', async () => {
    const jobs = new FakeBackupJobService([aBackupJob()]);
    const down = new DependencyUnavailableError('backup-job-service', 'refused');
    jobs.failWith(down);
    await expect(jobs.findJob('job-1')).rejects.toBe(down);
    await expect(jobs.findJob('job-1')).rejects.toBe(down);
    jobs.recover();
    await expect(jobs.findJob('job-1')).resolves.toEqual(aBackupJob());
  });
});

describe('RecordingBackupInterface', () => {
  const request = {
    backupRequestId: 'r-1',
    backupJobId: 'job-1',
    dataDate: '2024-03-15',
    preparedDataPathName: '/p',
    storagePathName: '/s',
    backupProviderCode: 'Local' as const,
  };

  it('records sends and runs the onSend hook inside the send', async () => {
    const backupInterface = new RecordingBackupInterface();
    const seen: string[] = [];
    backupInterface.onSend = (sent) => {
      seen.push(sent.backupRequestId);
    };
    await backupInterface.send(request);
    expect(backupInterface.sent).toEqual([request]);
    expect(seen).toEqual(['r-1']);
  });

  it('records nothing when told to fail', async () => {
    const backupInterface = new RecordingBackupInterface();
    backupInterface.failWith(new Error('channel closed'));
    await expect(backupInterface.send(request)).rejects.toThrow('channel closed');
    expect(backupInterface.sent).toEqual([]);
  });
});

describe('RecordingNotifier', () => {
  it('fails when told to and records nothing then', async () => {
    const notifier = new RecordingNotifier();
    notifier.failWith(new Error('callback down'));
    await expect(notifier.notify({} as never)).rejects.toThrow('callback down');
    expect(notifier.notified).toEqual([]);
  });
});
