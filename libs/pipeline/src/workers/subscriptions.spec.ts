import { ALL_EVENT_TYPES } from '@linebacker/domain';
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

  it('name each queue after its app and subscription, without duplicates', () => {
    const names = allSubscriptions(policy).map((s) => `${s.app}.${s.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('check-allowed.backup-request.received');
  });
});
