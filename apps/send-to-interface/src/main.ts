import {
  backupInterfaceFor,
  runPipelineApp,
  sendToInterfaceWorker,
  SERVICES,
  sendToInterfaceConfigSchema,
  validateInterfaceConfig,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.sendToInterface,
  schema: sendToInterfaceConfigSchema,
  validate: (config) => validateInterfaceConfig(config),
  worker: (ctx, _infrastructure, config) =>
    sendToInterfaceWorker(ctx, backupInterfaceFor(config, ctx.logger, ctx.metrics), config),
});
