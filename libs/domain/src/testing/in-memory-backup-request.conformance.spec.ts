import { describeBackupRequestRepository } from './backup-request-repository.conformance';
import { InMemoryBackupRequestRepository } from './in-memory-backup-request.repository';

describeBackupRequestRepository('InMemoryBackupRequestRepository', async () => {
  const repository = new InMemoryBackupRequestRepository('intake');
  return {
    requests: repository,
    backups: repository,
    intakeBy: 'intake',
    outboxTypes: async (id) =>
      repository.outbox
        .filter((message) => message.payload['backupRequestId'] === id)
        .map((message) => message.type),
  };
});
