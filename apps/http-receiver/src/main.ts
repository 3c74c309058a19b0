import { authenticatorFor } from '@linebacker/http-api';
import {
  receiverConfigSchema,
  receiverWorker,
  runPipelineApp,
  SERVICES,
  validateInterfaceQueuesConfig,
} from '@linebacker/pipeline';

void runPipelineApp({
  service: SERVICES.httpReceiver,
  schema: receiverConfigSchema,
  healthServer: false,
  // A receiver that would be open by accident (or half-configured) does not start.
  validate: (config) => {
    authenticatorFor(config);
    validateInterfaceQueuesConfig(config);
  },
  worker: (ctx, infrastructure, config) => receiverWorker(ctx, infrastructure, config),
});
