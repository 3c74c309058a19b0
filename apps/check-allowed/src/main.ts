import { HttpBackupJobService } from '@linebacker/backup-job-client';
import {
  checkAllowedWorker,
  runPipelineApp,
  SERVICES,
  checkAllowedConfigSchema,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.checkAllowed,
  schema: checkAllowedConfigSchema,
  worker: (ctx, _infrastructure, config) =>
    checkAllowedWorker(
      ctx,
      new HttpBackupJobService({
        baseUrl: config.jobServiceUrl,
        timeoutMs: config.jobServiceTimeoutMs,
      }),
    ),
});
