import { AmqpExternalQueueConsumer, AmqpQueuePublisher } from '@linebacker/messaging';
import { createLogger, loadConfigOrExit, runService } from '@linebacker/runtime';
import {
  buildInterfaceSimulatorApp,
  InterfaceSimulator,
  interfaceSimulatorConfigSchema,
  parseInterfaceRequest,
} from '@linebacker/simulators';

const service = 'sim-backup-interface';
const config = loadConfigOrExit(service, interfaceSimulatorConfigSchema, process.env);
const logger = createLogger({ service });
const SAID = {
  answered: 'request answered',
  duplicate: 'duplicate dropped',
  ignored: 'request ignored',
} as const;

void runService({
  name: service,
  logger,
  stopDeadlineMs: 5000,
  start: async () => {
    const broker = { url: config.amqpUrl, password: config.amqpPassword };
    const replies = new AmqpQueuePublisher({ ...broker, queue: config.replyQueue });
    await replies.start();
    const simulator = new InterfaceSimulator(
      {
        replyDelayMs: config.replyDelayMs,
        failedShare: config.failedShare,
        silentShare: config.silentShare,
      },
      (reply) => replies.sendJson(reply, `${reply.backupRequestId}:reply`),
    );
    // Each request is acked only after its reply was confirmed: a crash means redelivery.
    // One line per request and per failed delivery, so a chaos run can follow every request.
    const requests = new AmqpExternalQueueConsumer(
      {
        ...broker,
        queue: config.requestQueue,
        prefetch: config.prefetch,
        observer: {
          onMessage: (report) => {
            if (report.outcome !== 'ok') logger.warn('request not settled', { ...report });
          },
          onConnectionChange: (state, reason) => logger.info(`broker ${state}`, { reason }),
        },
      },
      async (message) => {
        const request = parseInterfaceRequest(message.body);
        const outcome = await simulator.handle(request, message.messageId, message.redelivered);
        logger.info(SAID[outcome], {
          requestId: request.backupRequestId,
          messageId: message.messageId,
          redelivered: message.redelivered,
        });
        return { requestId: request.backupRequestId };
      },
    );
    await requests.start();
    const app = buildInterfaceSimulatorApp(simulator);
    const address = await app.listen({ port: config.port, host: config.host });
    logger.info('listening', { address });
    return {
      stop: async (deadlineMs) => {
        await requests.stop(deadlineMs);
        await replies.stop();
        await app.close();
      },
    };
  },
});
