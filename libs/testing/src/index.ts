export * from './services';
export * from './bundle-process';
export * from './broker-cleanup';
export * from './stack';
export * from './pipeline-stack';
export * from './outcome-checks';
export * from './pgbouncer';
export * from './database-roles';
