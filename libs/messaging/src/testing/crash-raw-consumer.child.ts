// A tiny worker process for the external-queue crash test: it consumes one plain queue with
// the real AmqpExternalQueueConsumer and kills itself while handling any message whose body
// says `"crash":true`, like a reply parser that takes its worker down with it.
import { AmqpExternalQueueConsumer } from '../amqp/amqp-external-queue-consumer';

async function main(): Promise<void> {
  const env = process.env;
  const consumer = new AmqpExternalQueueConsumer(
    {
      url: env['LB_URL'] ?? '',
      queue: env['LB_QUEUE'] ?? '',
      deliveryLimit: Number(env['LB_DELIVERY_LIMIT']),
      prefetch: 1,
      connectionName: 'crash-raw-consumer',
    },
    async (message) => {
      const body = message.body.toString();
      if (body.includes('"crash":true')) {
        process.stdout.write(`crash ${message.messageId ?? ''}\n`);
        process.kill(process.pid, 'SIGKILL');
      }
      process.stdout.write(`done ${message.messageId ?? ''}\n`);
    },
  );
  await consumer.start();
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`crash raw consumer failed: ${String(error)}\n`);
  process.exit(1);
});
