import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, loadConfigOrExit, runService } from '@linebacker/runtime';
import {
  buildJobServiceApp,
  jobServiceSimulatorConfigSchema,
  parseJobsFixture,
} from '@linebacker/simulators';

const config = loadConfigOrExit(
  'sim-backup-job-service',
  jobServiceSimulatorConfigSchema,
  process.env,
);
const jobsFile = config.jobsFile || join(__dirname, 'fixtures', 'jobs.json');
const logger = createLogger({ service: 'sim-backup-job-service' });

void runService({
  name: 'sim-backup-job-service',
  logger,
  stopDeadlineMs: 2000,
  start: async () => {
    const app = buildJobServiceApp(parseJobsFixture(readFileSync(jobsFile, 'utf8')));
    const address = await app.listen({ port: config.port, host: config.host });
    logger.info('listening', { address });
    return { stop: async () => app.close() };
  },
});
