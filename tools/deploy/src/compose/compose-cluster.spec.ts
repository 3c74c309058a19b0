import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { topologyOptionsOf, type BrokerConfig } from '@linebacker/pipeline';
import { WORKSPACE_ROOT } from '@linebacker/testing';
import { parse } from 'yaml';
import { checkComposeText, inspectCompose, type ComposeCheckOptions } from './compose-check';
import { mergeComposeDocuments } from './compose-merge';
import { runDclint } from './dclint';
import { definitionsFileOf } from './rabbitmq-access';
import { brokerNodes, COOKIE_MOUNT, parseRabbitmqConf } from './rabbitmq-cluster';

const DOCKER_DIR = join(WORKSPACE_ROOT, 'docker');
const BASE_FILE = join(DOCKER_DIR, 'compose.yaml');
const CLUSTER_FILE = join(DOCKER_DIR, 'compose.cluster.yaml');
const base = readFileSync(BASE_FILE, 'utf8');
const cluster = readFileSync(CLUSTER_FILE, 'utf8');
const options: ComposeCheckOptions = { composeDir: DOCKER_DIR, workspaceRoot: WORKSPACE_ROOT };
const NODES = ['rabbitmq', 'rabbitmq-2', 'rabbitmq-3'];

/** The cluster override with one text replacement, which must apply. */
function variant(search: string | RegExp, replacement: string): string {
  const changed = cluster.replace(search, replacement);
  if (changed === cluster) throw new Error(`variant: ${String(search)} not found`);
  return changed;
}

const merged = inspectCompose([base, cluster], options);
const tmp = mkdtempSync(join(tmpdir(), 'compose-cluster-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('docker/compose.yaml + docker/compose.cluster.yaml', () => {
  it('passes every check of the base file and every cluster check', () => {
    expect(checkComposeText([base, cluster], options)).toEqual([]);
  });

  it('passes dclint, the override on its own', () => {
    const result = runDclint(CLUSTER_FILE, join(DOCKER_DIR, '.dclintrc.yaml'));
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it('runs three RabbitMQ nodes, each named by its service, each with its own volume', () => {
    const nodes = brokerNodes(merged.document, DOCKER_DIR);
    expect(nodes.map((node) => node.service)).toEqual(NODES);
    expect(nodes.map((node) => node.hostname)).toEqual(NODES);
    expect(new Set(nodes.map((node) => node.dataVolume)).size).toBe(3);
    expect(nodes.every((node) => node.hasHealthcheck)).toBe(true);
    expect(nodes.filter((node) => node.provisions).map((node) => node.service)).toEqual([
      'rabbitmq',
    ]);
  });

  it('gives every node the same Erlang cookie, a file secret', () => {
    const nodes = brokerNodes(merged.document, DOCKER_DIR);
    expect(nodes.map((node) => node.cookieSecret)).toEqual(Array(3).fill('rabbitmq-erlang-cookie'));
    expect(merged.document.secrets?.['rabbitmq-erlang-cookie']?.file).toMatch(
      /\/rabbitmq-erlang-cookie$/,
    );
    // The boot script installs the cookie from where the nodes mount it.
    const boot = readFileSync(join(DOCKER_DIR, 'rabbitmq', 'rabbitmq-boot.sh'), 'utf8');
    expect(boot).toContain(`cookie_secret=${COOKIE_MOUNT}`);
  });

  it('finds the peers by a classic-config list that names exactly the service hostnames', () => {
    for (const node of brokerNodes(merged.document, DOCKER_DIR)) {
      expect(node.conf.get('cluster_formation.peer_discovery_backend')).toBe('classic_config');
      const peers = [...node.conf.entries()]
        .filter(([key]) => key.startsWith('cluster_formation.classic_config.nodes.'))
        .map(([, value]) => value);
      expect(peers).toEqual(NODES.map((host) => `rabbit@${host}`));
      expect(node.conf.get('cluster_partition_handling')).toBe('autoheal');
    }
  });

  it("lists the three nodes in every app's broker URLs, shuffled per instance", () => {
    const pipelineApps = merged.apps.filter((app) => app.config['quorumGroupSize'] !== undefined);
    expect(pipelineApps.map((app) => app.service).sort()).toEqual(
      [
        'check-allowed',
        'http-receiver',
        'interface-receiver',
        'notifier',
        'receive-status',
        'recovery',
        'send-to-interface',
      ].sort(),
    );
    for (const app of merged.apps) {
      for (const variable of ['LINEBACKER_AMQP_URL', 'LINEBACKER_INTERFACE_AMQP_URL']) {
        const list = app.environment[variable];
        if (list === undefined) continue;
        expect(list.split(',').map((url) => new URL(url).hostname)).toEqual(NODES);
      }
    }
    for (const app of pipelineApps) expect(app.config['amqpNodeOrder']).toBe('shuffle');
  });

  it('declares quorum queues with three replicas in the apps and in the provisioned definitions', () => {
    const pipelineApps = merged.apps.filter((app) => app.config['quorumGroupSize'] !== undefined);
    for (const app of pipelineApps)
      expect(topologyOptionsOf(app.config as unknown as BrokerConfig).quorumInitialGroupSize).toBe(
        3,
      );
    expect(definitionsFileOf(merged.document)).toBe(join('rabbitmq', 'definitions.cluster.json'));
    const definitions = JSON.parse(
      readFileSync(join(DOCKER_DIR, 'rabbitmq', 'definitions.cluster.json'), 'utf8'),
    ) as { queues: Array<{ vhost: string; arguments: Record<string, unknown> }> };
    // linebacker's own queues; the parked replies in the interface's vhost are declared by
    // interface-receiver without a size, like the interface's queues (the broker's default).
    const quorum = definitions.queues.filter(
      (q) => q.vhost === 'linebacker' && q.arguments['x-queue-type'] === 'quorum',
    );
    expect(quorum.length).toBeGreaterThan(0);
    for (const queue of quorum) expect(queue.arguments['x-quorum-initial-group-size']).toBe(3);
  });

  it('leaves the single-node file as it was: one node, no group size', () => {
    const single = inspectCompose(base, options);
    expect(brokerNodes(single.document, DOCKER_DIR).map((node) => node.service)).toEqual([
      'rabbitmq',
    ]);
    expect(definitionsFileOf(single.document)).toBe(join('rabbitmq', 'definitions.json'));
  });
});

describe('a broken cluster override', () => {
  it('is rejected when a node mounts another Erlang cookie', () => {
    const broken = variant(
      'secrets: [rabbitmq-admin, rabbitmq-erlang-cookie]\n    volumes:\n      - rabbitmq-3-data',
      'secrets: [rabbitmq-admin, {source: rabbitmq-admin, target: rabbitmq-erlang-cookie}]\n    volumes:\n      - rabbitmq-3-data',
    );
    expect(checkComposeText([base, broken], options)).toContain(
      'every RabbitMQ node must mount the same Erlang cookie secret',
    );
  });

  it('is rejected when the classic-config list misses a node', () => {
    const conf = join(tmp, '30-cluster.conf');
    writeFileSync(
      conf,
      readFileSync(join(DOCKER_DIR, 'rabbitmq', '30-cluster.conf'), 'utf8').replace(
        /^cluster_formation\.classic_config\.nodes\.3 .*$/m,
        '',
      ),
    );
    const broken = cluster.replaceAll('./rabbitmq/30-cluster.conf', conf);
    expect(checkComposeText([base, broken], options)).toContain(
      'services.rabbitmq-2: cluster_formation.classic_config.nodes lists rabbit@rabbitmq, rabbit@rabbitmq-2, ' +
        "the cluster's nodes are rabbit@rabbitmq, rabbit@rabbitmq-2, rabbit@rabbitmq-3",
    );
  });

  it('is rejected when a node is not resolvable by its node name', () => {
    const broken = variant('hostname: rabbitmq-3', 'hostname: mq-3');
    expect(checkComposeText([base, broken], options)).toContainEqual(
      'services.rabbitmq-3.hostname: must be "rabbitmq-3", its node name\'s host',
    );
  });

  it('is rejected when an app is given only some of the nodes', () => {
    const broken = variant(
      /LINEBACKER_AMQP_URL: amqp:\/\/linebacker-notifier@rabbitmq:5672\/linebacker,[^\n]*/,
      'LINEBACKER_AMQP_URL: amqp://linebacker-notifier@rabbitmq:5672/linebacker,amqp://linebacker-notifier@rabbitmq-2:5672/linebacker',
    );
    const problems = checkComposeText([base, broken], options);
    expect(problems).toContain(
      'services.notifier.environment: LINEBACKER_AMQP_URL names rabbitmq, rabbitmq-2; it must list every node of the cluster once: rabbitmq, rabbitmq-2, rabbitmq-3',
    );
    // Two URLs with `auto` leave the group size to the broker: the apps would disagree.
    expect(problems).toContainEqual(
      expect.stringMatching(/services\.notifier: declares quorum queues/),
    );
  });

  it('is rejected when quorum queues would get an even number of replicas', () => {
    const broken = variant(
      '      LINEBACKER_AMQP_NODE_ORDER: shuffle\n',
      "      LINEBACKER_AMQP_NODE_ORDER: shuffle\n      LINEBACKER_QUORUM_INITIAL_GROUP_SIZE: '2'\n",
    );
    expect(checkComposeText([base, broken], options)).toContainEqual(
      'services.http-receiver: quorum queues get 2 replicas; on 3 nodes use an odd number from 3 to 3 (LINEBACKER_QUORUM_INITIAL_GROUP_SIZE)',
    );
  });

  it('is rejected when a second node would provision, or a node would not wait for the others', () => {
    const broken = variant(
      "      LINEBACKER_RABBITMQ_CLUSTER_SIZE: '3'\n      # Users, vhosts and topology are cluster-wide: the first node provisions them.\n      LINEBACKER_RABBITMQ_PROVISION: 'false'\n    secrets: [rabbitmq-admin, rabbitmq-erlang-cookie]\n    volumes:\n      - rabbitmq-2-data:/var/lib/rabbitmq\n",
      "      LINEBACKER_RABBITMQ_CLUSTER_SIZE: '1'\n    secrets: [rabbitmq-admin, rabbitmq-erlang-cookie]\n    volumes:\n      - rabbitmq-2-data:/var/lib/rabbitmq\n      - ./rabbitmq/definitions.cluster.json:/etc/linebacker/definitions.json:ro\n",
    );
    const problems = checkComposeText([base, broken], options);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^exactly one RabbitMQ node must provision .*found rabbitmq, rabbitmq-2$/,
      ),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^services\.rabbitmq-2\.environment: LINEBACKER_RABBITMQ_CLUSTER_SIZE must be 3/,
      ),
    );
  });

  it('is rejected when the cluster definitions drifted from the apps’ configuration', () => {
    const broken = cluster.replaceAll(
      '      LINEBACKER_AMQP_NODE_ORDER: shuffle\n',
      "      LINEBACKER_AMQP_NODE_ORDER: shuffle\n      LINEBACKER_RETRY_MAX_DELAY_MS: '60000'\n",
    );
    expect(checkComposeText([base, broken], options)).toContainEqual(
      expect.stringMatching(
        /rabbitmq\/definitions\.cluster\.json differs from what the code generates/,
      ),
    );
  });
});

describe('mergeComposeDocuments', () => {
  it('merges as docker compose -f a -f b does, for the keys linebacker uses', () => {
    const a = parse(`
services:
  s:
    image: x
    command: [a, b]
    environment: [A=1, B=2]
    volumes: [data:/var/lib/x, ./a.conf:/etc/x/a.conf:ro]
    secrets: [one]
    ports: ['127.0.0.1:1:1']
volumes: {data: {}}
`) as unknown;
    const b = parse(`
services:
  s:
    command: [c]
    environment: {B: '3', C: '4'}
    volumes: [other:/var/lib/x, ./b.conf:/etc/x/b.conf:ro]
    secrets: [two, one]
  t:
    image: y
volumes: {other: {}}
`) as unknown;
    expect(mergeComposeDocuments([a, b])).toEqual({
      services: {
        s: {
          image: 'x',
          command: ['c'],
          environment: { A: '1', B: '3', C: '4' },
          volumes: ['other:/var/lib/x', './a.conf:/etc/x/a.conf:ro', './b.conf:/etc/x/b.conf:ro'],
          secrets: ['one', 'two'],
          ports: ['127.0.0.1:1:1'],
        },
        t: { image: 'y' },
      },
      volumes: { data: {}, other: {} },
    });
  });

  it('reads rabbitmq.conf lines, skipping comments', () => {
    expect(parseRabbitmqConf('# c\na.b = 1\n\n  c = rabbit@x  \n')).toEqual(
      new Map([
        ['a.b', '1'],
        ['c', 'rabbit@x'],
      ]),
    );
  });
});
