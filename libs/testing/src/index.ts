export * from './services';
export * from './bundle-process';
export * from './broker-cleanup';
