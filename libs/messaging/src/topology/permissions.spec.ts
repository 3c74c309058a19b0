import type { SubscriptionDefinition } from '../port/message-bus.port';
import { exactly, namespacePermissions, NOTHING, subscriberPermissions } from './permissions';
import { buildTopology } from './topology';

const received: SubscriptionDefinition = {
  app: 'check-allowed',
  name: 'backup-request.received',
  eventTypes: ['backup-request.received'],
  prefetch: 50,
  handlerTimeoutMs: 30_000,
  retry: { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 4000 },
};
const allowed: SubscriptionDefinition = {
  ...received,
  app: 'send-to-interface',
  name: 'backup-request.allowed',
};
const options = { namespace: 'prod' };
const matches = (pattern: string, name: string) => new RegExp(pattern).test(name);

describe('permissions', () => {
  it('matches exactly the names given, dots taken literally', () => {
    const pattern = exactly(['a.b', 'c']);
    expect(['a.b', 'c'].map((n) => matches(pattern, n))).toEqual([true, true]);
    expect(['aXb', 'a.b.c', 'xc', ''].map((n) => matches(pattern, n))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(exactly([])).toBe(NOTHING);
  });

  it("lets a subscriber configure and read every queue of its own topology and no one else's", () => {
    const permissions = subscriberPermissions([received], options);
    for (const queue of buildTopology([received], options).queues) {
      expect(matches(permissions.configure, queue.name)).toBe(true);
      expect(matches(permissions.read, queue.name)).toBe(true);
    }
    for (const queue of buildTopology([allowed], options).queues) {
      expect(matches(permissions.configure, queue.name)).toBe(false);
      expect(matches(permissions.read, queue.name)).toBe(false);
    }
  });

  it('lets a subscriber write to the events and default exchanges but never configure them', () => {
    const permissions = subscriberPermissions([received], options);
    for (const exchange of ['prod.linebacker.events', 'amq.default'])
      expect(matches(permissions.write, exchange)).toBe(true);
    expect(matches(permissions.configure, 'prod.linebacker.events')).toBe(false);
    expect(matches(permissions.write, 'linebacker.events')).toBe(false);
  });

  it('gives a publisher only write on the events exchange', () => {
    expect(subscriberPermissions([], options)).toEqual({
      configure: NOTHING,
      write: '^(?:prod\\.linebacker\\.events)$',
      read: NOTHING,
    });
  });

  it('confines the operator to the namespace, plus the default exchange for replays', () => {
    const permissions = namespacePermissions(options);
    expect(matches(permissions.configure, 'prod.check-allowed.backup-request.received')).toBe(true);
    expect(matches(permissions.configure, 'staging.check-allowed.x')).toBe(false);
    expect(matches(permissions.write, 'amq.default')).toBe(true);
    expect(namespacePermissions({}).read).toBe('.*');
  });
});
