export * from './job-service-app';
export * from './interface-simulator';
