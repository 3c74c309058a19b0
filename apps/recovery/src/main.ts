import {
  recoveryWorker,
  runPipelineApp,
  SERVICES,
  recoveryAppConfigSchema,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.recovery,
  schema: recoveryAppConfigSchema,
  worker: (ctx, infrastructure, config) =>
    recoveryWorker(ctx, config, { store: infrastructure.retention, settings: config }),
});
