import type { RabbitMqClusterOptions } from '@linebacker/testing';

/** Usage of `node dist/tools/rabbitmq-cluster/main.js`. */
export const USAGE = `usage: rabbitmq-cluster [--nodes N] [--port P] [--net-tick S] [--prefix NAME]
                        [--partition-handling ignore|pause_minority|autoheal]
Starts N RabbitMQ nodes (default 3) from the installed package as separate processes, joins
them into one cluster and prints one JSON line: the node names, their AMQP URLs, and the
LINEBACKER_AMQP_URL that lists them all. Runs until SIGINT or SIGTERM, then kills the nodes
and deletes their data. Node i listens on P+i (default: free ports); --net-tick sets the
Erlang net tick time in seconds (default 60); --partition-handling sets
cluster_partition_handling (default ignore). Node names are NAME-a@localhost, NAME-b, …`;

const FLAGS: Record<string, keyof RabbitMqClusterOptions> = {
  '--nodes': 'size',
  '--port': 'amqpBasePort',
  '--net-tick': 'netTickSeconds',
  '--prefix': 'prefix',
  '--partition-handling': 'partitionHandling',
};

const PARTITION_HANDLING = ['ignore', 'pause_minority', 'autoheal'];

/** Reads the command line into cluster options; throws with the usage on anything else. */
export function parseClusterArgs(argv: readonly string[]): RabbitMqClusterOptions {
  const options: Record<string, string | number> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i] ?? '', argv[i + 1]];
    const key = FLAGS[flag];
    if (key === undefined || value === undefined) throw new Error(`bad argument ${flag}\n${USAGE}`);
    if (key === 'prefix') {
      if (!/^[a-z][a-z0-9-]*$/.test(value)) throw new Error(`--prefix must be [a-z][a-z0-9-]*`);
      options[key] = value;
      continue;
    }
    if (key === 'partitionHandling') {
      if (!PARTITION_HANDLING.includes(value))
        throw new Error(`--partition-handling must be one of ${PARTITION_HANDLING.join(', ')}`);
      options[key] = value;
      continue;
    }
    if (!/^\d+$/.test(value) || Number(value) < 1)
      throw new Error(`${flag} must be a positive integer`);
    options[key] = Number(value);
  }
  return options as RabbitMqClusterOptions;
}
