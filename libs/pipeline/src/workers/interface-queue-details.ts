import { withProbeTimeout } from '../operations/pipeline-stats';

/** How long healthz waits for the interface's queue depths. */
const DEPTH_PROBE_TIMEOUT_MS = 2000;

/**
 * The `/healthz` details of an interface worker: `interfaceQueues` with each queue's
 * approximate depth (Azure Storage Queues report an estimate), or the error; nothing when
 * the transport tells no depths (AMQP: the broker's own management shows them).
 */
export async function interfaceQueueDetails(
  depths: () => Promise<Record<string, number>> | undefined,
): Promise<Record<string, unknown>> {
  const pending = depths();
  if (!pending) return {};
  try {
    return {
      interfaceQueues: await withProbeTimeout(pending, DEPTH_PROBE_TIMEOUT_MS, 'interface queues'),
    };
  } catch (error) {
    return { interfaceQueues: { error: error instanceof Error ? error.message : String(error) } };
  }
}
