import { AmqpBackupInterface } from '@linebacker/messaging';
import {
  interfaceConfigSchema,
  pipelineConfigSchema,
  runPipelineApp,
  sendToInterfaceWorker,
  SERVICES,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.sendToInterface,
  schema: { ...pipelineConfigSchema(9102), ...interfaceConfigSchema },
  worker: (ctx, _infrastructure, config) =>
    sendToInterfaceWorker(
      ctx,
      new AmqpBackupInterface({
        url: config.interfaceAmqpUrl,
        queue: config.interfaceRequestQueue,
        startupMaxAttempts: config.startupAttempts,
      }),
    ),
});
