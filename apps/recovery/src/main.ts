import {
  pipelineConfigSchema,
  recoveryConfigSchema,
  recoveryWorker,
  runPipelineApp,
  SERVICES,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.recovery,
  schema: { ...pipelineConfigSchema(9106), ...recoveryConfigSchema },
  worker: (ctx, _infrastructure, config) => recoveryWorker(ctx, config),
});
