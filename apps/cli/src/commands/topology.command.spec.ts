import { loadCliConfig } from '../config';
import { exportTopology, vhostOf } from './topology.command';

const THREE_NODES = 'amqp://op@mq-1:5672/lb,amqp://op@mq-2:5672/lb,amqp://op@mq-3:5672/lb';

const groupSizes = (env: Record<string, string>): unknown[] => {
  const { data } = exportTopology(loadCliConfig(env), {});
  const queues = (data as { queues: Array<{ arguments: Record<string, unknown> }> }).queues;
  return [...new Set(queues.map((q) => q.arguments['x-quorum-initial-group-size']))];
};

describe('topology export on a cluster', () => {
  it('gives quorum queues the group size the apps declare with the same settings', () => {
    expect(groupSizes({ LINEBACKER_AMQP_URL: THREE_NODES })).toEqual([3]);
    expect(groupSizes({ LINEBACKER_AMQP_URL: 'amqp://op@mq-1:5672/lb' })).toEqual([undefined]);
    expect(
      groupSizes({ LINEBACKER_AMQP_URL: THREE_NODES, LINEBACKER_QUORUM_INITIAL_GROUP_SIZE: '5' }),
    ).toEqual([5]);
  });

  it('takes the vhost from the first node of a list', () => {
    expect(vhostOf(THREE_NODES)).toBe('lb');
    const { data } = exportTopology(loadCliConfig({ LINEBACKER_AMQP_URL: THREE_NODES }), {});
    const queues = (data as { queues: Array<{ vhost: string }> }).queues;
    expect([...new Set(queues.map((q) => q.vhost))]).toEqual(['lb']);
  });
});
