import { RabbitMqCluster } from './rabbitmq-cluster';

// Three separate Erlang nodes: start-up alone takes a minute on a busy two-core machine.
jest.setTimeout(300_000);

describe('RabbitMqCluster', () => {
  let cluster: RabbitMqCluster | undefined;

  beforeAll(async () => {
    cluster = await RabbitMqCluster.start({ size: 3 });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('is whole once started: every node sees all three running and no partition', async () => {
    const nodes = cluster as RabbitMqCluster;
    await nodes.awaitWhole(30_000);
    expect(await nodes.runningNodes()).toEqual(nodes.nodes.map((node) => node.name).sort());
  });

  it('is not whole with a node killed, and names that node in the time-out', async () => {
    const nodes = cluster as RabbitMqCluster;
    const killed = nodes.node(2);
    await killed.kill();
    // The survivors drop it at once: a killed node's connections close.
    await nodes.awaitRunning([nodes.node(0), nodes.node(1)], 60_000);
    const waiting = nodes.awaitWhole(1_000);
    await expect(waiting).rejects.toThrow(/^cluster not whole after 1000 ms: /);
    await expect(waiting).rejects.toThrow(`${killed.name} sees not running`);
    const survivors = [nodes.node(0).name, nodes.node(1).name].sort().join(' ');
    await expect(waiting).rejects.toThrow(
      `${nodes.node(0).name} sees running ${survivors}; partitions none`,
    );
  });
});
