import { AmqpExternalQueueConsumer, AmqpQueuePublisher } from '@linebacker/messaging';
import { createLogger, loadConfigOrExit, parse, runService } from '@linebacker/runtime';
import {
  buildInterfaceSimulatorApp,
  InterfaceSimulator,
  parseInterfaceRequest,
} from '@linebacker/simulators';

const service = 'sim-backup-interface';
const config = loadConfigOrExit(
  service,
  {
    amqpUrl: {
      env: 'LINEBACKER_INTERFACE_AMQP_URL',
      doc: "the interface's RabbitMQ",
      default: 'amqp://guest:guest@127.0.0.1:5672',
      parse: parse.url('amqp', 'amqps'),
    },
    requestQueue: {
      env: 'LINEBACKER_INTERFACE_REQUEST_QUEUE',
      doc: 'queue requests arrive on',
      default: 'backup-interface.requests',
      parse: parse.string,
    },
    replyQueue: {
      env: 'LINEBACKER_INTERFACE_REPLY_QUEUE',
      doc: 'queue replies go to',
      default: 'backup-interface.replies',
      parse: parse.string,
    },
    replyDelayMs: {
      env: 'LINEBACKER_SIM_REPLY_DELAY_MS',
      doc: 'delay before each reply',
      default: 50,
      parse: parse.integer(0),
    },
    failedShare: {
      env: 'LINEBACKER_SIM_FAILED_SHARE',
      doc: 'share of Failed replies (0..1)',
      default: 0.1,
      parse: parse.number(0, 1),
    },
    prefetch: {
      env: 'LINEBACKER_SIM_PREFETCH',
      doc: 'requests held at once (each until replied)',
      default: 500,
      parse: parse.integer(1, 1000),
    },
    port: {
      env: 'LINEBACKER_SIM_INTERFACE_PORT',
      doc: 'port of /stats',
      default: 8082,
      parse: parse.integer(0, 65535),
    },
    host: {
      env: 'LINEBACKER_SIM_INTERFACE_HOST',
      doc: 'address of /stats',
      default: '127.0.0.1',
      parse: parse.string,
    },
  },
  process.env,
);
const logger = createLogger({ service });

void runService({
  name: service,
  logger,
  stopDeadlineMs: 5000,
  start: async () => {
    const replies = new AmqpQueuePublisher({ url: config.amqpUrl, queue: config.replyQueue });
    await replies.start();
    const simulator = new InterfaceSimulator(
      { replyDelayMs: config.replyDelayMs, failedShare: config.failedShare },
      (reply) => replies.sendJson(reply, `${reply.backupRequestId}:reply`),
    );
    // Each request is acked only after its reply was confirmed: a crash means redelivery.
    const requests = new AmqpExternalQueueConsumer(
      { url: config.amqpUrl, queue: config.requestQueue, prefetch: config.prefetch },
      (message) => simulator.handle(parseInterfaceRequest(message.body), message.messageId),
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
