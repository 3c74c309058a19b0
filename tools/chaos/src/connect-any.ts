import { connect, type ChannelModel } from 'amqplib';

/**
 * An amqplib connection to the first node of a comma-separated list that accepts one (the
 * harness's own clients; the apps have their own failover). Throws the last node's error.
 */
export async function connectAny(urlList: string): Promise<ChannelModel> {
  let lastError: unknown = new Error('no AMQP URL given');
  for (const url of urlList.split(',').map((u) => u.trim())) {
    if (!url) continue;
    try {
      return await connect(url);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
