import { parseClusterArgs } from './cluster-args';

describe('parseClusterArgs', () => {
  it('reads node count, base port, net tick time and name prefix', () => {
    expect(
      parseClusterArgs(['--nodes', '3', '--port', '5701', '--net-tick', '10', '--prefix', 'lb']),
    ).toEqual({ size: 3, amqpBasePort: 5701, netTickSeconds: 10, prefix: 'lb' });
    expect(parseClusterArgs([])).toEqual({});
  });

  it('reads the partition handling and refuses one the broker does not know', () => {
    expect(parseClusterArgs(['--partition-handling', 'pause_minority'])).toEqual({
      partitionHandling: 'pause_minority',
    });
    expect(() => parseClusterArgs(['--partition-handling', 'pause'])).toThrow(
      /--partition-handling must be one of ignore, pause_minority, autoheal/,
    );
  });

  it('refuses an unknown flag, a missing value, a non-number and a bad prefix', () => {
    expect(() => parseClusterArgs(['--size', '3'])).toThrow(/bad argument --size[\s\S]*usage/);
    expect(() => parseClusterArgs(['--nodes'])).toThrow(/bad argument --nodes/);
    expect(() => parseClusterArgs(['--port', '57o1'])).toThrow(/--port must be a positive/);
    expect(() => parseClusterArgs(['--nodes', '0'])).toThrow(/--nodes must be a positive/);
    expect(() => parseClusterArgs(['--prefix', 'Rabbit@x'])).toThrow(/--prefix must be/);
  });
});
