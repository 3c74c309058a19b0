import {
  receiverConfigSchema,
  receiverWorker,
  runPipelineApp,
  SERVICES,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.httpReceiver,
  schema: receiverConfigSchema,
  healthServer: false,
  worker: (ctx, infrastructure, config) => receiverWorker(ctx, infrastructure, config),
});
