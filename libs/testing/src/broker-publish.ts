import { connect } from 'amqplib';

/**
 * Puts raw bytes straight into a queue through the default exchange (confirmed), past every
 * check a linebacker bus makes: what anyone allowed to publish to the default exchange can do.
 */
export async function publishToQueue(
  amqpUrl: string,
  queue: string,
  body: Buffer,
  headers: Record<string, unknown> = {},
): Promise<void> {
  const connection = await connect(amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, body, { persistent: true, headers });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}
