import {
  endStateNotifier,
  notifierWorker,
  runPipelineApp,
  SERVICES,
  notifierConfigSchema,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.notifier,
  schema: notifierConfigSchema,
  worker: (ctx, _infrastructure, config) => notifierWorker(ctx, endStateNotifier(ctx, config)),
});
