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
            queue: config.interfaceReplyQueue,
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
