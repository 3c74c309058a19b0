import {
  notifierWorker,
  pipelineConfigSchema,
  runPipelineApp,
  SERVICES,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.notifier,
  schema: pipelineConfigSchema(9105),
  worker: (ctx) => notifierWorker(ctx),
});
