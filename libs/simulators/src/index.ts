export * from './job-service-app';
export * from './interface-simulator';
export * from './simulator-config';
export * from './simulator-transport';
