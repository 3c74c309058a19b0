export * from './services';
export * from './bundle-process';
export * from './broker-cleanup';
export * from './broker-publish';
export * from './stack';
export * from './pipeline-stack';
export * from './outcome-checks';
export * from './pgbouncer';
