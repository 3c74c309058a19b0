// A tiny worker process for the crash test: it consumes one subscription with the real
// AmqpMessageBus and kills itself in the middle of handling any message whose payload says
// `crash: true`, exactly like a handler that takes its worker down with it.
import { AmqpMessageBus } from '../amqp/amqp-message-bus';
import type { SubscriptionDefinition } from '../port/message-bus.port';
import { anyPayloadSchemas } from './contract-harness';

async function main(): Promise<void> {
  const env = process.env;
  const definition = JSON.parse(env['LB_DEFINITION'] ?? '{}') as SubscriptionDefinition;
  const bus = new AmqpMessageBus({
    url: env['LB_URL'] ?? '',
    namespace: env['LB_NAMESPACE'],
    queueType: env['LB_QUEUE_TYPE'] === 'classic' ? 'classic' : 'quorum',
    deliveryLimit: Number(env['LB_DELIVERY_LIMIT']),
    connectionName: 'crash-consumer',
    payloadSchemas: anyPayloadSchemas(...definition.eventTypes),
  });
  await bus.subscribe(definition, async (envelope) => {
    if (envelope.payload['crash'] === true) {
      process.stdout.write(`crash ${envelope.messageId}\n`);
      process.kill(process.pid, 'SIGKILL'); // no cleanup, no close: the broker sees a dead peer
    }
    process.stdout.write(`done ${envelope.messageId}\n`);
    return 'ok';
  });
  await bus.start();
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`crash consumer failed: ${String(error)}\n`);
  process.exit(1);
});
