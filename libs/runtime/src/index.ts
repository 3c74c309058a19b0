export * from './config';
export * from './logger';
export * from './health-server';
export * from './backoff';
export * from './retry';
export * from './service-lifecycle';
export * from './metrics';
export * from './stop-budget';
