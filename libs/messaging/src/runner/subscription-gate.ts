import { PermanentError } from '@linebacker/domain';
import type { EnvelopeCodec } from '../envelope/envelope-codec';
import type { Envelope } from '../port/envelope';
import type { SubscriptionDefinition } from '../port/message-bus.port';
import { topicMatches } from '../topology/topic-match';

/** An envelope whose type (or type version) its subscription does not expect: never applied. */
export class UnexpectedTypeError extends PermanentError {
  constructor(message: string) {
    super('UnexpectedType', message);
    this.name = 'UnexpectedTypeError';
  }
}

const isPattern = (eventType: string) => eventType.split('.').some((w) => w === '*' || w === '#');
const labelOf = (d: SubscriptionDefinition) => `${d.app}.${d.name}`;

/**
 * Rejects a subscription that lists an event type no payload schema is registered for (a
 * pattern must match at least one registered type): without a schema its handler would see
 * whatever a producer sent. Thrown at `subscribe`, so a service fails at start-up.
 */
export function assertPayloadSchemas(
  definition: SubscriptionDefinition,
  codec: EnvelopeCodec,
): void {
  const known = codec.schemaTypes();
  const missing = definition.eventTypes.filter(
    (eventType) => !known.some((type) => topicMatches(eventType, type)),
  );
  if (missing.length > 0)
    throw new PermanentError(
      'MissingPayloadSchema',
      `${labelOf(definition)}: no payload schema for ${missing.join(', ')}; ` +
        "register one per event type in the bus's payloadSchemas",
    );
}

/**
 * What the gate decided about one delivery's bytes. A refused delivery's `envelope` is null
 * when the bytes are not an envelope, and has its payload left out otherwise.
 */
export type Admission =
  | { admitted: true; envelope: Envelope }
  | { admitted: false; envelope: Envelope | null; error: unknown };

/**
 * What one subscription accepts: a valid envelope whose type is one of its event types, with
 * a registered payload schema at its version, and a payload that passes it. The queue's
 * bindings prove nothing: anyone who may publish to the default exchange can put any envelope
 * straight into the queue.
 */
export class SubscriptionGate {
  private readonly literal: ReadonlySet<string>;
  private readonly patterns: readonly string[];

  /** Throws `MissingPayloadSchema` when an event type of the subscription has no schema. */
  constructor(
    private readonly definition: SubscriptionDefinition,
    private readonly codec: EnvelopeCodec,
  ) {
    assertPayloadSchemas(definition, codec);
    this.literal = new Set(definition.eventTypes.filter((t) => !isPattern(t)));
    this.patterns = definition.eventTypes.filter(isPattern);
  }

  /** The envelope, or the permanent error to dead-letter it with. */
  admit(body: Buffer): Admission {
    let envelope: Envelope;
    try {
      envelope = this.codec.parseEnvelope(body);
    } catch (error) {
      return { admitted: false, envelope: null, error };
    }
    try {
      // The type first: a forged envelope is reported as such even when its payload is
      // valid for the type it claims.
      this.checkType(envelope);
      this.codec.validatePayload(envelope);
      return { admitted: true, envelope };
    } catch (error) {
      // Nobody downstream (observers, logs) sees a payload that failed or skipped its schema.
      return { admitted: false, envelope: { ...envelope, payload: {} }, error };
    }
  }

  private checkType({ type, typeVersion }: Envelope): void {
    const listed = this.literal.has(type) || this.patterns.some((p) => topicMatches(p, type));
    if (!listed)
      throw new UnexpectedTypeError(
        `type ${type} is not one of ${labelOf(this.definition)}'s event types ` +
          `(${this.definition.eventTypes.join(', ')})`,
      );
    if (!this.codec.hasPayloadSchema(type, typeVersion))
      throw new UnexpectedTypeError(`no payload schema for ${type}@${typeVersion}`);
  }
}
