import { HttpBackupJobService } from '@linebacker/backup-job-client';
import {
  receiveStatusWorker,
  runPipelineApp,
  SERVICES,
  receiveStatusConfigSchema,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.receiveStatus,
  schema: receiveStatusConfigSchema,
  worker: (ctx, _infrastructure, config) =>
    receiveStatusWorker(
      ctx,
      new HttpBackupJobService({
        baseUrl: config.jobServiceUrl,
        timeoutMs: config.jobServiceTimeoutMs,
      }),
    ),
});
