import {
  notifierWorker,
  runPipelineApp,
  SERVICES,
  notifierConfigSchema,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.notifier,
  schema: notifierConfigSchema,
  worker: (ctx) => notifierWorker(ctx),
});
