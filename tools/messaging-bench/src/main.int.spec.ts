import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  namespaceQueueDepths,
  rabbitmqForTests,
  testNamespace,
  WORKSPACE_ROOT,
} from '@linebacker/testing';

// A smoke check that the benchmark runs every scenario and cleans up after itself; no figure
// is judged (they live in docs/benchmarks.md, never in a test).
describe('npm run bench:messaging at a tiny size', () => {
  it('prints a row per queue type and scenario and leaves no queue behind', async () => {
    const broker = await rabbitmqForTests();
    const namespace = testNamespace('msgbench');
    try {
      const run = spawnSync(
        process.execPath,
        [join(WORKSPACE_ROOT, 'dist', 'tools', 'messaging-bench', 'main.js')],
        {
          encoding: 'utf8',
          timeout: 120_000,
          env: {
            ...process.env,
            LINEBACKER_AMQP_URL: broker.url,
            BENCH_MESSAGES: '200',
            BENCH_NAMESPACE: namespace,
          },
        },
      );
      expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({
        status: 0,
        stderr: '',
      });
      const rows = run.stdout
        .split('\n')
        .filter((line) => /^\| (classic|quorum) \|/.test(line))
        .map((line) => line.split('|').map((cell) => cell.trim()));
      expect(rows.map((cells) => `${cells[1]} ${cells[2]} ${cells[3]}`)).toEqual([
        'classic confirmed publish (batches of 1000) -',
        'classic consume + ack 1',
        'classic consume + ack 10',
        'classic consume + ack 100',
        'quorum confirmed publish (batches of 1000) -',
        'quorum consume + ack 1',
        'quorum consume + ack 10',
        'quorum consume + ack 100',
      ]);
      for (const cells of rows) {
        expect(Number(cells[4])).toBeGreaterThan(0);
        expect(Number(cells[6])).toBeGreaterThan(0);
      }
      expect(await namespaceQueueDepths(namespace)).toEqual({});
    } finally {
      await broker.stop();
    }
  }, 150_000);
});
