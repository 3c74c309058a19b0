import { buildTopology, subscriptionQueueNames } from '@linebacker/messaging';
import { allSubscriptions, SERVICES } from '../workers/subscriptions';
import { brokerDefinitions } from './broker-definitions';
import { brokerUsers, type BrokerAccessSettings, type BrokerConfig } from './broker-users';

const config: BrokerConfig = {
  namespace: 'prod',
  queueType: 'quorum',
  deliveryLimit: 10,
  prefetch: 10,
  retryMaxAttempts: 3,
  retryInitialDelayMs: 1000,
  retryMaxDelayMs: 4000,
  handlerTimeoutMs: 1000,
  interfaceRequestQueue: 'backup-interface.requests',
  interfaceReplyQueue: 'backup-interface.replies',
  interfaceRequestExchange: 'backup-interface.to-requests',
  interfaceReplyExchange: 'backup-interface.to-replies',
};
const settings: BrokerAccessSettings = {
  config,
  vhost: 'linebacker',
  interfaceVhost: 'backup-interface',
  userPrefix: 'linebacker-',
};

const permissionsOf = (user: string, vhost: string) =>
  brokerUsers(settings)
    .find((u) => u.name === `linebacker-${user}`)
    ?.permissions.find((p) => p.vhost === vhost);
const allows = (pattern: string | undefined, name: string) =>
  pattern !== undefined && new RegExp(pattern).test(name);

describe('broker users', () => {
  it("let each app configure and read its own queues and no other app's", () => {
    const queues = buildTopology(allSubscriptions(config), config).queues.map((q) => q.name);
    for (const app of Object.values(SERVICES)) {
      const own = allSubscriptions(config)
        .filter((s) => s.app === app)
        .map((s) => subscriptionQueueNames(s, 'prod').main);
      const permissions = permissionsOf(app, 'linebacker');
      for (const queue of queues) {
        const mine = own.some((main) => queue === main || queue.startsWith(`${main}.`));
        expect([app, queue, allows(permissions?.configure, queue)]).toEqual([app, queue, mine]);
        expect([app, queue, allows(permissions?.read, queue)]).toEqual([app, queue, mine]);
      }
    }
  });

  it('let send-to-interface write to the request exchange only, in the interface vhost', () => {
    const permissions = permissionsOf('send-to-interface', 'backup-interface');
    expect(allows(permissions?.write, 'backup-interface.to-requests')).toBe(true);
    for (const other of ['amq.default', 'backup-interface.to-replies', 'backup-interface.replies'])
      expect(allows(permissions?.write, other)).toBe(false);
    expect(allows(permissions?.read, 'backup-interface.replies')).toBe(false);
  });

  it('let interface-receiver read the reply queue and write only through the reply exchange', () => {
    const permissions = permissionsOf('interface-receiver', 'backup-interface');
    expect(allows(permissions?.read, 'backup-interface.replies')).toBe(true);
    expect(allows(permissions?.read, 'backup-interface.requests')).toBe(false);
    expect(allows(permissions?.write, 'backup-interface.to-replies')).toBe(true);
    expect(allows(permissions?.write, 'amq.default')).toBe(false);
  });

  it('let the operator read the parked replies and put them back through the reply exchange', () => {
    const permissions = permissionsOf('operator', 'backup-interface');
    expect(allows(permissions?.read, 'backup-interface.replies.parked')).toBe(true);
    expect(allows(permissions?.read, 'backup-interface.replies')).toBe(false);
    expect(allows(permissions?.read, 'backup-interface.requests')).toBe(false);
    expect(allows(permissions?.write, 'backup-interface.to-replies')).toBe(true);
    expect(allows(permissions?.write, 'amq.default')).toBe(false);
    expect(allows(permissions?.configure, 'backup-interface.replies.parked')).toBe(false);
  });

  it('give no app but the two interface apps, and the operator, access to the interface vhost', () => {
    const inInterface = brokerUsers(settings)
      .filter((u) => u.permissions.some((p) => p.vhost === 'backup-interface'))
      .map((u) => u.name);
    expect(inInterface.sort()).toEqual([
      'linebacker-backup-interface',
      'linebacker-interface-receiver',
      'linebacker-operator',
      'linebacker-send-to-interface',
    ]);
  });

  it('refuse to put the interface in linebacker’s vhost or behind the default exchange', () => {
    expect(() => brokerUsers({ ...settings, interfaceVhost: 'linebacker' })).toThrow(
      /must not be linebacker's own/,
    );
    expect(() =>
      brokerUsers({ ...settings, config: { ...config, interfaceReplyExchange: '' } }),
    ).toThrow(/LINEBACKER_INTERFACE_REPLY_EXCHANGE/);
  });
});

describe('broker definitions', () => {
  it('hold both vhosts, every queue the apps declare and the interface’s exchanges', () => {
    const definitions = brokerDefinitions(settings);
    expect(definitions['vhosts']).toEqual([{ name: 'linebacker' }, { name: 'backup-interface' }]);
    const names = (definitions['queues'] as Array<{ name: string }>).map((q) => q.name);
    for (const queue of buildTopology(allSubscriptions(config), config).queues)
      expect(names).toContain(queue.name);
    expect(definitions['bindings']).toContainEqual(
      expect.objectContaining({
        source: 'backup-interface.to-requests',
        destination: 'backup-interface.requests',
        vhost: 'backup-interface',
      }),
    );
    expect(definitions).not.toHaveProperty('users');
  });
});
