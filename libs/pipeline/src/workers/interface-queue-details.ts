import { withProbeTimeout } from '../operations/pipeline-stats';

/** How long a worker's healthz waits for the interface's queue depths. */
const DEPTH_PROBE_TIMEOUT_MS = 2000;

/**
 * The `/healthz` details of an interface worker: `interfaceQueues` with each queue's
 * approximate depth (Azure Storage Queues report an estimate), or the error; nothing when
 * the transport tells no depths (AMQP: the broker's own management shows them). The error
 * (the account down, or slower than `timeoutMs`) stands for "unknown" and fails nothing else.
 */
export async function interfaceQueueDetails(
  depths: () => Promise<Record<string, number>> | undefined,
  timeoutMs = DEPTH_PROBE_TIMEOUT_MS,
): Promise<Record<string, unknown>> {
  const pending = depths();
  if (!pending) return {};
  try {
    return {
      interfaceQueues: await withProbeTimeout(pending, timeoutMs, 'interface queues'),
    };
  } catch (error) {
    return { interfaceQueues: { error: error instanceof Error ? error.message : String(error) } };
  }
}
