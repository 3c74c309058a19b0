import { AmqpExternalQueueConsumer } from '@linebacker/messaging';
import {
  interfaceConfigSchema,
  interfaceReceiverWorker,
  pipelineConfigSchema,
  runPipelineApp,
  SERVICES,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.interfaceReceiver,
  schema: { ...pipelineConfigSchema(9103), ...interfaceConfigSchema },
  worker: (ctx, _infrastructure, config) =>
    interfaceReceiverWorker(
      ctx,
      (handler, observer) =>
        new AmqpExternalQueueConsumer(
          {
            url: config.interfaceAmqpUrl,
            queue: config.interfaceReplyQueue,
            prefetch: config.prefetch,
            handlerTimeoutMs: config.handlerTimeoutMs,
            startupMaxAttempts: config.startupAttempts,
            observer,
          },
          handler,
        ),
    ),
});
