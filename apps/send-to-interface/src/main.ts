import { AmqpBackupInterface } from '@linebacker/messaging';
import {
  reconnectCounter,
  runPipelineApp,
  sendToInterfaceWorker,
  SERVICES,
  sendToInterfaceConfigSchema,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.sendToInterface,
  schema: sendToInterfaceConfigSchema,
  worker: (ctx, _infrastructure, config) =>
    sendToInterfaceWorker(
      ctx,
      new AmqpBackupInterface({
        url: config.interfaceAmqpUrl,
        queue: config.interfaceRequestQueue,
        startupMaxAttempts: config.startupAttempts,
        observer: reconnectCounter(ctx.logger, ctx.metrics, 'interface'),
      }),
    ),
});
