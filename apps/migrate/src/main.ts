import { migrateConfigSchema, migrateDatabase } from '@linebacker/pipeline';
import { createLogger, defaultInstanceId, loadConfigOrExit } from '@linebacker/runtime';

// The one-shot migration step of a deployment (Compose runs it before every app; under PM2
// it runs before `pm2 start`): exit 0 once the schema is current, 1 with the reason if not.
const service = 'migrate';
const config = loadConfigOrExit(service, migrateConfigSchema, process.env);
const logger = createLogger({
  service,
  instance: config.instanceId || defaultInstanceId(),
  level: config.logLevel,
});

const exit = (code: number): void => {
  logger.on('finish', () => process.exit(code));
  logger.end();
};

migrateDatabase(config, logger).then(
  (applied) => {
    logger.info(`migrations applied: ${applied.length}`, { applied, outcome: 'migrated' });
    exit(0);
  },
  (error: unknown) => {
    logger.error(`migrate failed: ${(error as Error).message ?? String(error)}`, {
      error,
      outcome: 'migrate-failed',
    });
    exit(1);
  },
);
