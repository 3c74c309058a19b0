// The public API of @linebacker/azure-queues: the backup interface over Azure Storage Queues.
// Importing it loads the Azure SDK; the account keys without the SDK are at
// @linebacker/azure-queues/config.
export * from './config';
export * from './azure-errors';
export * from './queue-connection';
export * from './azure-account';
export * from './poison-message';
export * from './azure-backup-interface';
export * from './azure-queue-consumer';
export * from './poison-queue';
export * from './queue-depths';
