import { callbackDeliveryConfigSchema } from '@linebacker/callbacks';
import { authenticatorFor } from '@linebacker/http-api';
import { join } from 'node:path';
import type { BackupRequest } from '@linebacker/domain';
import {
  receiverConfigSchema,
  recoveryConfigSchema,
  retentionConfigSchema,
  sendConfigSchema,
  type ReceiverAddresses,
} from '@linebacker/pipeline';
import {
  createLogger,
  defaultInstanceId,
  loadConfigOrExit,
  parse,
  runService,
} from '@linebacker/runtime';
import { startEmbeddedDatabase } from './embedded-database';
import { startEmbeddedStack } from './embedded-stack';

const service = 'embedded';
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const embeddedSchema = {
  dataDir: {
    env: 'LINEBACKER_EMBEDDED_DATA_DIR',
    doc: 'keep the embedded database in this folder (default: in memory)',
    default: '',
    parse: parse.string,
  },
  jobsFile: {
    env: 'LINEBACKER_SIM_JOBS_FILE',
    doc: 'backup jobs the simulated job service knows',
    default: join(__dirname, 'fixtures', 'jobs.json'),
    parse: parse.string,
  },
  replyDelayMs: {
    env: 'LINEBACKER_SIM_REPLY_DELAY_MS',
    doc: 'simulated interface reply delay',
    default: 300,
    parse: parse.integer(0),
  },
  failedShare: {
    env: 'LINEBACKER_SIM_FAILED_SHARE',
    doc: 'share of Failed replies (0..1)',
    default: 0,
    parse: parse.number(0, 1),
  },
};

function announce(request: BackupRequest): Promise<void> {
  say(
    `request ${request.backupRequestId} ended: ${request.statusTypeCode} (job ${request.backupJobId})`,
  );
  return Promise.resolve();
}

function banner({ api, operator }: ReceiverAddresses, anonymous: boolean): void {
  const body =
    '{"apiVersion":"2022-05-22","backupJobId":"job-active-local","dataDate":"2024-02-29","backupDataLocation":"/data/prepared/2024-02-29"}';
  [
    'linebacker embedded: every service in one process, on PGlite (PostgreSQL over the wire),',
    'an in-memory bus and simulated backup job service and backup interface.',
    `  API      ${api}/api/backup-requests`,
    `  OpenAPI  ${operator}/api/openapi.json`,
    `  health   ${operator}/api/zpages/healthz   (operator listener; also /metrics)`,
    ...(anonymous
      ? ['  Auth     none: every caller is "anonymous" and may submit any job (a trial setup).']
      : []),
    'Try:',
    `  curl -s -X POST ${api}/api/backup-requests -H 'content-type: application/json' -d '${body}'`,
    `  curl -s ${api}/api/backup-requests/<backupRequestId from the answer>`,
    'Jobs: job-active-local, job-active-cloud-a, job-active-cloud-b (active), job-inactive; other ids are unknown.',
    'Ctrl-C stops.',
  ].forEach(say);
}

const logger = createLogger({ service, level: process.env['LINEBACKER_LOG_LEVEL'] ?? 'warn' });

void runService({
  name: service,
  logger,
  stopDeadlineMs: 5000,
  start: async () => {
    const settings = loadConfigOrExit(service, embeddedSchema, process.env);
    const database = await startEmbeddedDatabase(settings.dataDir || undefined);
    // The embedded mode always uses its own database and bus, whatever the shell exports.
    const config = loadConfigOrExit(
      service,
      {
        ...receiverConfigSchema,
        ...recoveryConfigSchema,
        ...retentionConfigSchema,
        ...sendConfigSchema,
        ...callbackDeliveryConfigSchema,
      },
      {
        LINEBACKER_LOG_LEVEL: 'warn',
        LINEBACKER_DB_POOL_SIZE: '2',
        // A trial on one machine: open unless the user sets a mode, and the banner says so.
        LINEBACKER_AUTH_ALLOW_ANONYMOUS: 'true',
        LINEBACKER_HEALTH_PORT: '0',
        LINEBACKER_RECOVERY_STALE_AFTER_MS: '30000',
        ...process.env,
        LINEBACKER_DATABASE_URL: database.url,
        LINEBACKER_AMQP_URL: 'amqp://in-memory.invalid',
      },
      (loaded) => void authenticatorFor(loaded),
    );
    const stack = await startEmbeddedStack({
      config: { ...config, instanceId: config.instanceId || defaultInstanceId() },
      jobsFile: settings.jobsFile,
      replyDelayMs: settings.replyDelayMs,
      failedShare: settings.failedShare,
      notifier: { notify: announce },
    }).catch(async (error: unknown) => {
      await database.stop();
      throw error;
    });
    banner(stack.addresses, config.authMode === 'none');
    return {
      stop: async (deadlineMs) => {
        await stack.stop(deadlineMs);
        await database.stop();
      },
    };
  },
});
