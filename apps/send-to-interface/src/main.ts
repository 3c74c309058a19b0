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
        password: config.interfaceAmqpPassword,
        nodeOrder: config.amqpNodeOrder,
        queue: config.interfaceRequestQueue,
        exchange: config.interfaceRequestExchange,
        // The interface owns its queues; with declare-own this app may not configure them.
        declareQueue: config.topology === 'declare-all',
        startupMaxAttempts: config.startupAttempts,
        observer: reconnectCounter(ctx.logger, ctx.metrics, 'interface'),
      }),
      config,
    ),
});
