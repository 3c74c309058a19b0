import { AmqpExternalQueueConsumer } from '@linebacker/messaging';
import {
  interfaceReceiverWorker,
  runPipelineApp,
  SERVICES,
  interfaceReceiverConfigSchema,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.interfaceReceiver,
  schema: interfaceReceiverConfigSchema,
  worker: (ctx, _infrastructure, config) =>
    interfaceReceiverWorker(
      ctx,
      (handler, observer) =>
        new AmqpExternalQueueConsumer(
          {
            url: config.interfaceAmqpUrl,
            password: config.interfaceAmqpPassword,
            nodeOrder: config.amqpNodeOrder,
            queue: config.interfaceReplyQueue,
            returnExchange: config.interfaceReplyExchange,
            // The interface owns the reply queue; the parking queue is this app's own.
            declareQueue: config.topology === 'declare-all',
            prefetch: config.prefetch,
            deliveryLimit: config.deliveryLimit,
            handlerTimeoutMs: config.handlerTimeoutMs,
            startupMaxAttempts: config.startupAttempts,
            observer,
          },
          handler,
        ),
    ),
});
