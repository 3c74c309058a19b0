export * from './job-service-app';
