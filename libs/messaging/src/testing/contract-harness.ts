import type { OutgoingMessage } from '../port/envelope';
import type {
  DeliveryReport,
  MessageBus,
  MessageBusObserver,
  SubscriptionDefinition,
} from '../port/message-bus.port';

/** What the contract suite needs from one adapter (one namespace per harness). */
export interface ContractHarness {
  bus: MessageBus;
  /** A second bus on the same broker and namespace (another instance, or a restart). */
  newBus(observer?: MessageBusObserver): MessageBus;
  /** Puts raw bytes straight into the subscription's queue, bypassing every check. */
  injectRaw(definition: SubscriptionDefinition, body: Buffer): Promise<void>;
  /** Ready messages in the subscription's main queue. */
  queueDepth(definition: SubscriptionDefinition): Promise<number>;
  cleanup(): Promise<void>;
}

/** Builds a harness whose buses report to `observer` and know `payloadSchemas`. */
export type HarnessFactory = (options: {
  observer: MessageBusObserver;
  payloadSchemas: Record<string, object>;
}) => Promise<ContractHarness>;

/**
 * A payload schema that takes any object, for each of these types: a bus refuses to consume
 * a type without a schema, and tests about delivery have no payload worth describing.
 */
export function anyPayloadSchemas(...types: string[]): Record<string, object> {
  return Object.fromEntries(types.map((type) => [type, { type: 'object' }]));
}

/** The event types the suite consumes without caring about their payload. */
const CONTRACT_TYPES = [
  'basic',
  'acked',
  'stats',
  'retry',
  'unknown',
  'exhaust',
  'poison',
  'garbage',
  'pause',
  'probe',
  'deadline',
  'graceful',
  'overrun',
  'replay',
  'batch',
  'unordered',
  'typed',
  'other-type',
].map((name) => `contract.${name}`);

/** Payload schemas the suite registers: one per event type it consumes. */
export const CONTRACT_PAYLOAD_SCHEMAS: Record<string, object> = {
  ...anyPayloadSchemas(...CONTRACT_TYPES),
  'contract.schema-checked': {
    type: 'object',
    required: ['n'],
    properties: { n: { type: 'integer' } },
  },
  // Only version 2 has a schema: a version-1 envelope of this type is not expected.
  'contract.versioned@2': { type: 'object' },
};

let counter = 0;

/** A subscription definition with small, fast retry settings for the suite. */
export function contractSubscription(
  name: string,
  eventTypes: string[],
  overrides: Partial<SubscriptionDefinition> = {},
): SubscriptionDefinition {
  return {
    app: 'contract',
    name,
    eventTypes,
    prefetch: 10,
    handlerTimeoutMs: 5_000,
    retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 400 },
    ...overrides,
  };
}

/** An outgoing message of `type` with a unique id. */
export function contractMessage(
  type: string,
  payload: Record<string, unknown> = {},
): OutgoingMessage {
  counter += 1;
  return {
    messageId: `m-${process.pid}-${Date.now()}-${counter}`,
    type,
    correlationId: `c-${counter}`,
    payload,
  };
}

/** Collects delivery reports for assertions. */
export class ReportLog implements MessageBusObserver {
  readonly reports: DeliveryReport[] = [];
  readonly pauses: Array<{ subscription: string; paused: boolean }> = [];
  readonly channelErrors: string[] = [];

  /** Records a delivery outcome. */
  onDelivery(report: DeliveryReport): void {
    this.reports.push(report);
  }

  /** Records a pause or resume. */
  onPause(subscription: string, paused: boolean): void {
    this.pauses.push({ subscription, paused });
  }

  /** Records a channel closed by the broker (a 406 on a bad ack would land here). */
  onChannelError(channel: string, message: string): void {
    this.channelErrors.push(`${channel}: ${message}`);
  }

  /** Reports with this outcome. */
  withOutcome(outcome: DeliveryReport['outcome']): DeliveryReport[] {
    return this.reports.filter((r) => r.outcome === outcome);
  }
}
