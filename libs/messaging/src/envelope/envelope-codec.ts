import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { PermanentError } from '@linebacker/domain';
import { ENVELOPE_VERSION, type Envelope, type OutgoingMessage } from '../port/envelope';
import { ENVELOPE_SCHEMA } from './envelope.schema';

/**
 * Payload JSON Schemas registered by apps, keyed by `type` (any version) or by
 * `type@typeVersion` (that version only; wins over the plain key).
 */
export type PayloadSchemas = Readonly<Record<string, object>>;

/** A message that does not match the envelope or its payload schema: never worth a retry. */
export class InvalidMessageError extends PermanentError {
  constructor(message: string) {
    super('InvalidMessage', message);
    this.name = 'InvalidMessageError';
  }
}

const describe = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');

/**
 * Builds, encodes and decodes envelopes, validating with ajv on both sides: a producer
 * cannot publish what a consumer would reject, and a consumer rejects what a foreign or
 * older producer sent.
 */
export class EnvelopeCodec {
  private readonly ajv = new Ajv({
    allErrors: true,
    strict: true,
    // Payload schemas may list required keys without describing each one.
    strictRequired: false,
    allowUnionTypes: true,
  });
  private readonly envelopeValidator: ValidateFunction;
  private readonly payloadValidators = new Map<string, ValidateFunction>();

  constructor(private readonly payloadSchemas: PayloadSchemas = {}) {
    addFormats(this.ajv);
    this.envelopeValidator = this.ajv.compile(ENVELOPE_SCHEMA);
    // Compile every payload schema now so a broken schema fails at start-up.
    for (const key of Object.keys(payloadSchemas)) this.payloadValidator(key);
  }

  /** The envelope for an outgoing message (defaults filled in), validated. */
  toEnvelope(message: OutgoingMessage, attempt = 1): Envelope {
    const occurredAt = message.occurredAt ?? new Date();
    const envelope: Envelope = {
      envelopeVersion: ENVELOPE_VERSION,
      messageId: message.messageId,
      type: message.type,
      typeVersion: message.typeVersion ?? 1,
      correlationId: message.correlationId,
      causationId: message.causationId ?? null,
      occurredAt: occurredAt instanceof Date ? occurredAt.toISOString() : occurredAt,
      attempt,
      payload: message.payload,
    };
    this.validate(envelope);
    return envelope;
  }

  /** The wire bytes of a valid envelope. */
  encode(envelope: Envelope): Buffer {
    this.validate(envelope);
    return this.serialize(envelope);
  }

  /** The wire bytes of an envelope `toEnvelope` has just validated (no second check). */
  serialize(envelope: Envelope): Buffer {
    return Buffer.from(JSON.stringify(envelope), 'utf8');
  }

  /** Parses and validates wire bytes; throws InvalidMessageError with the reason. */
  decode(body: Buffer): Envelope {
    const envelope = this.parseEnvelope(body);
    this.validatePayload(envelope);
    return envelope;
  }

  /**
   * Parses wire bytes and checks the envelope only, so a consumer can judge the type before
   * the payload; throws InvalidMessageError with the reason.
   */
  parseEnvelope(body: Buffer): Envelope {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new InvalidMessageError(`body is not JSON: ${(error as Error).message}`);
    }
    if (!this.envelopeValidator(parsed))
      throw new InvalidMessageError(`invalid envelope: ${describe(this.envelopeValidator.errors)}`);
    return parsed as Envelope;
  }

  /** Throws InvalidMessageError unless `value` is a valid envelope with a valid payload. */
  validate(value: unknown): asserts value is Envelope {
    if (!this.envelopeValidator(value))
      throw new InvalidMessageError(`invalid envelope: ${describe(this.envelopeValidator.errors)}`);
    this.validatePayload(value as Envelope);
  }

  /** Checks the payload against its registered schema (none registered: nothing to check). */
  validatePayload({ type, typeVersion, payload }: Envelope): void {
    const validator = this.validatorFor(type, typeVersion);
    if (validator && !validator(payload))
      throw new InvalidMessageError(
        `invalid payload for ${type}@${typeVersion}: ${describe(validator.errors)}`,
      );
  }

  /** True when a payload schema is registered for this type at this version. */
  hasPayloadSchema(type: string, typeVersion: number): boolean {
    return this.validatorFor(type, typeVersion) !== undefined;
  }

  /** Every type with a registered payload schema (for any version). */
  schemaTypes(): string[] {
    return [...new Set(Object.keys(this.payloadSchemas).map((key) => key.split('@')[0] ?? key))];
  }

  private validatorFor(type: string, typeVersion: number): ValidateFunction | undefined {
    return this.payloadValidator(`${type}@${typeVersion}`) ?? this.payloadValidator(type);
  }

  private payloadValidator(key: string): ValidateFunction | undefined {
    const schema = this.payloadSchemas[key];
    if (!schema) return undefined;
    let validator = this.payloadValidators.get(key);
    if (!validator) {
      validator = this.ajv.compile(schema);
      this.payloadValidators.set(key, validator);
    }
    return validator;
  }
}
