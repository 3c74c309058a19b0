import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, loadConfigOrExit, parse, runService } from '@linebacker/runtime';
import { buildJobServiceApp, parseJobsFixture } from '@linebacker/simulators';

const config = loadConfigOrExit(
  'sim-backup-job-service',
  {
    port: {
      env: 'LINEBACKER_SIM_JOBS_PORT',
      doc: 'port of the simulated job service',
      default: 8081,
      parse: parse.integer(0, 65535),
    },
    host: {
      env: 'LINEBACKER_SIM_JOBS_HOST',
      doc: 'address to listen on',
      default: '127.0.0.1',
      parse: parse.string,
    },
    jobsFile: {
      env: 'LINEBACKER_SIM_JOBS_FILE',
      doc: 'JSON fixture of backup jobs',
      default: join(__dirname, 'fixtures', 'jobs.json'),
      parse: parse.string,
    },
  },
  process.env,
);
const logger = createLogger({ service: 'sim-backup-job-service' });

void runService({
  name: 'sim-backup-job-service',
  logger,
  stopDeadlineMs: 2000,
  start: async () => {
    const app = buildJobServiceApp(parseJobsFixture(readFileSync(config.jobsFile, 'utf8')));
    const address = await app.listen({ port: config.port, host: config.host });
    logger.info('listening', { address });
    return { stop: async () => app.close() };
  },
});
