// The public API of @linebacker/azure-queues: the backup interface over Azure Storage Queues.
export * from './azure-errors';
export * from './queue-connection';
export * from './azure-account.config';
export * from './poison-message';
export * from './azure-backup-interface';
export * from './azure-queue-consumer';
export * from './poison-queue';
export * from './queue-depths';
