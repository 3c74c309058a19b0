import { validateInterfaceQueuesConfig } from '@linebacker/azure-queues/config';
import { createLogger, loadConfigOrExit, runService } from '@linebacker/runtime';
import {
  buildInterfaceSimulatorApp,
  InterfaceSimulator,
  interfaceSimulatorConfigSchema,
  parseInterfaceRequest,
  simulatorTransport,
} from '@linebacker/simulators';

const service = 'sim-backup-interface';
const config = loadConfigOrExit(
  service,
  interfaceSimulatorConfigSchema,
  process.env,
  validateInterfaceQueuesConfig,
);
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
    const transport = simulatorTransport(config);
    await transport.start();
    const simulator = new InterfaceSimulator(
      {
        replyDelayMs: config.replyDelayMs,
        failedShare: config.failedShare,
        silentShare: config.silentShare,
      },
      (reply) => transport.sendReply(reply),
    );
    // Each request is acked only after its reply was confirmed: a crash means redelivery.
    // One line per request and per failed delivery, so a chaos run can follow every request.
    const requests = transport.requests(
      async (message) => {
        const request = parseInterfaceRequest(message.body);
        const messageId = transport.dedupKey(message.messageId, request.backupRequestId);
        const outcome = await simulator.handle(request, messageId, message.redelivered);
        logger.info(SAID[outcome], {
          requestId: request.backupRequestId,
          messageId,
          redelivered: message.redelivered,
        });
        return { requestId: request.backupRequestId };
      },
      {
        onMessage: (report) => {
          if (report.outcome !== 'ok') logger.warn('request not settled', { ...report });
        },
        onConnectionChange: (state, reason) => logger.info(`broker ${state}`, { reason }),
      },
    );
    await requests.start();
    const app = buildInterfaceSimulatorApp(simulator);
    const address = await app.listen({ port: config.port, host: config.host });
    logger.info('listening', { address });
    return {
      stop: async (deadlineMs) => {
        await requests.stop(deadlineMs);
        await transport.stop();
        await app.close();
      },
    };
  },
});
