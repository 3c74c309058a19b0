import { HttpBackupJobService } from '@linebacker/backup-job-client';
import {
  checkAllowedWorker,
  jobServiceConfigSchema,
  pipelineConfigSchema,
  runPipelineApp,
  SERVICES,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.checkAllowed,
  schema: { ...pipelineConfigSchema(9101), ...jobServiceConfigSchema },
  worker: (ctx, _infrastructure, config) =>
    checkAllowedWorker(
      ctx,
      new HttpBackupJobService({
        baseUrl: config.jobServiceUrl,
        timeoutMs: config.jobServiceTimeoutMs,
      }),
    ),
});
