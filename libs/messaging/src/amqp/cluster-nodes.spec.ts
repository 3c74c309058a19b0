import { NodeRotation, nodeLabel, resolveQuorumGroupSize, splitNodeUrls } from './cluster-nodes';

const a = 'amqp://u:p@a:5701';
const b = 'amqp://u:p@b:5702';
const c = 'amqp://u:p@c:5703';

/** A source of "randomness" that replays the given values. */
const replay = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] as number;
};

describe('NodeRotation', () => {
  it('in order: starts with the first node and tries each node once per round', () => {
    const rotation = new NodeRotation([a, b, c], 'in-order');
    expect(rotation.round()).toEqual([a, b, c]);
    expect(rotation.round()).toEqual([a, b, c]);
  });

  it('starts the next round after the node it was connected to, so that node comes last', () => {
    const rotation = new NodeRotation([a, b, c], 'in-order');
    rotation.connectedTo(b);
    expect(rotation.round()).toEqual([c, a, b]);
    rotation.connectedTo(c);
    expect(rotation.round()).toEqual([a, b, c]);
  });

  it('shuffled: one order drawn at construction, then walked like in order', () => {
    // Fisher-Yates from the end: j = floor(r * (i + 1)) → i=2: r=0 → swap 2,0; i=1: r=0.9 → 1,1.
    const rotation = new NodeRotation([a, b, c], 'shuffle', replay(0, 0.9));
    expect(rotation.round()).toEqual([c, b, a]);
    rotation.connectedTo(c);
    expect(rotation.round()).toEqual([b, a, c]);
  });

  it('shuffled: different draws give different orders, each a permutation of the list', () => {
    const orders = new Set<string>();
    for (const r of [0, 0.2, 0.4, 0.6, 0.8, 0.99]) {
      const round = new NodeRotation([a, b, c], 'shuffle', replay(r)).round();
      expect([...round].sort()).toEqual([a, b, c]);
      orders.add(round.join(' '));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('ignores a node it does not know', () => {
    const rotation = new NodeRotation([a, b], 'in-order');
    rotation.connectedTo(c);
    expect(rotation.round()).toEqual([a, b]);
  });

  it('refuses an empty list', () => {
    expect(() => new NodeRotation([], 'in-order')).toThrow(/at least one URL/);
  });
});

describe('node URLs', () => {
  it('splits a comma-separated list and trims each entry', () => {
    expect(splitNodeUrls(`${a}, ${b} ,${c}`)).toEqual([a, b, c]);
    expect(splitNodeUrls(a)).toEqual([a]);
  });

  it('labels a node by host and port only, never by its credentials', () => {
    expect(nodeLabel('amqp://user:secret@rabbit-1:5701/vhost?heartbeat=5')).toBe('rabbit-1:5701');
    expect(nodeLabel('amqp://user:secret@rabbit-1')).toBe('rabbit-1:5672');
    expect(nodeLabel('amqps://user:secret@rabbit-1')).toBe('rabbit-1:5671');
    expect(nodeLabel('not a url secret')).not.toContain('secret');
  });
});

describe('resolveQuorumGroupSize', () => {
  it('auto: 3 replicas from three nodes on, the broker default below', () => {
    expect(resolveQuorumGroupSize('auto', 1)).toBeUndefined();
    expect(resolveQuorumGroupSize('auto', 2)).toBeUndefined();
    expect(resolveQuorumGroupSize('auto', 3)).toBe(3);
    expect(resolveQuorumGroupSize('auto', 5)).toBe(3);
  });

  it('none leaves it to the broker; a number is used as given', () => {
    expect(resolveQuorumGroupSize('none', 5)).toBeUndefined();
    expect(resolveQuorumGroupSize(5, 1)).toBe(5);
  });
});
