export * from './http-backup-job-service';
