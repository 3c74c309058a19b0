import {
  interfaceReceiverWorker,
  replyConsumerFor,
  runPipelineApp,
  SERVICES,
  interfaceReceiverConfigSchema,
  validateInterfaceConfig,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.interfaceReceiver,
  schema: interfaceReceiverConfigSchema,
  validate: (config) => validateInterfaceConfig(config),
  worker: (ctx, _infrastructure, config) => interfaceReceiverWorker(ctx, replyConsumerFor(config)),
});
