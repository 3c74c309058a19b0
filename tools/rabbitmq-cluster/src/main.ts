import { RabbitMqCluster } from '@linebacker/testing';
import { parseClusterArgs } from './cluster-args';

async function main(): Promise<void> {
  const cluster = await RabbitMqCluster.start(parseClusterArgs(process.argv.slice(2)));
  const stop = (): void => {
    cluster.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stopping the cluster failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(
    `${JSON.stringify({
      nodes: cluster.nodes.map((node) => node.name),
      urls: cluster.urls,
      LINEBACKER_AMQP_URL: cluster.url,
      // rabbitmqctl needs the cluster's cookie: HOME=<dir> rabbitmqctl -n <node> …
      dir: cluster.dir,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
