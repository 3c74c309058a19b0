import { HttpBackupJobService } from '@linebacker/backup-job-client';
import {
  jobServiceConfigSchema,
  pipelineConfigSchema,
  receiveStatusWorker,
  runPipelineApp,
  SERVICES,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.receiveStatus,
  schema: { ...pipelineConfigSchema(9104), ...jobServiceConfigSchema },
  worker: (ctx, _infrastructure, config) =>
    receiveStatusWorker(
      ctx,
      new HttpBackupJobService({
        baseUrl: config.jobServiceUrl,
        timeoutMs: config.jobServiceTimeoutMs,
      }),
    ),
});
