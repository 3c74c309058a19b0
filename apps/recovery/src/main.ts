import {
  recoveryWorker,
  runPipelineApp,
  SERVICES,
  recoveryAppConfigSchema,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.recovery,
  schema: recoveryAppConfigSchema,
  worker: (ctx, _infrastructure, config) => recoveryWorker(ctx, config),
});
