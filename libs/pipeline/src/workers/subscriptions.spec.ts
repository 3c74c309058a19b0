import { ALL_EVENT_TYPES } from '@linebacker/domain';
import { InMemoryMessageBus } from '@linebacker/messaging';
import { PAYLOAD_SCHEMAS } from '../messages/payload-schemas';
import { allSubscriptions } from './subscriptions';

const policy = {
  prefetch: 10,
  retryMaxAttempts: 3,
  retryInitialDelayMs: 100,
  retryMaxDelayMs: 1000,
  handlerTimeoutMs: 1000,
};

describe('pipeline subscriptions', () => {
  it('give every event type at least one consumer, so no mandatory publish is unroutable', () => {
    const consumed = new Set(allSubscriptions(policy).flatMap((s) => s.eventTypes));
    expect(ALL_EVENT_TYPES.filter((type) => !consumed.has(type))).toEqual([]);
  });

  it('consume only event types with a payload schema, so every service passes the start-up check', async () => {
    const bus = new InMemoryMessageBus({ payloadSchemas: PAYLOAD_SCHEMAS });
    for (const definition of allSubscriptions(policy))
      await expect(bus.subscribe(definition, async () => 'ok')).resolves.toBeDefined();
    const unchecked = new InMemoryMessageBus({ payloadSchemas: {} });
    const [checkAllowed] = allSubscriptions(policy);
    if (!checkAllowed) throw new Error('no subscriptions');
    await expect(unchecked.subscribe(checkAllowed, async () => 'ok')).rejects.toMatchObject({
      code: 'MissingPayloadSchema',
      message: expect.stringMatching(/no payload schema for backup-request\.received/),
    });
  });

  it('name each queue after its app and subscription, without duplicates', () => {
    const names = allSubscriptions(policy).map((s) => `${s.app}.${s.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('check-allowed.backup-request.received');
  });
});
