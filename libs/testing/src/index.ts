export * from './services';
export * from './bundle-process';
