import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { topologyOptionsOf, type BrokerConfig } from '@linebacker/pipeline';
import type { RunningApp } from './app-environment';
import {
  secretPaths,
  serviceEnvironment,
  type ComposeDocument,
  type ComposeService,
} from './compose-model';
import { DEFINITIONS_MOUNT } from './rabbitmq-access';

/** Where a node reads the Erlang cookie secret (docker/rabbitmq/rabbitmq-boot.sh installs it). */
export const COOKIE_MOUNT = '/run/secrets/rabbitmq-erlang-cookie';
/** RabbitMQ's data directory in the official image: one named volume per node. */
const DATA_DIR = '/var/lib/rabbitmq';
/** Where the official image reads extra configuration files. */
const CONF_DIR = '/etc/rabbitmq/conf.d/';
/** The variables that hold a list of broker node URLs. */
const URL_VARIABLES = ['LINEBACKER_AMQP_URL', 'LINEBACKER_INTERFACE_AMQP_URL'];

/** A RabbitMQ node of a Compose file, as the cluster checks read it. */
export interface ComposeBrokerNode {
  service: string;
  hostname: string | undefined;
  environment: Record<string, string>;
  /** Configuration keys of the files it mounts into conf.d (later files win). */
  conf: Map<string, string>;
  cookieSecret: string | undefined;
  dataVolume: string | undefined;
  provisions: boolean;
  hasHealthcheck: boolean;
}

const isBroker = (service: ComposeService): boolean => /^rabbitmq(:|$)/.test(service.image ?? '');

/** `key = value` lines of a rabbitmq.conf-style file (comments and blank lines skipped). */
export function parseRabbitmqConf(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([^#=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] !== undefined) entries.set(match[1], match[2] ?? '');
  }
  return entries;
}

function bindMounts(service: ComposeService): Array<{ source: string; target: string }> {
  return (service.volumes ?? []).flatMap((volume) => {
    if (typeof volume !== 'string') return [];
    const [source = '', target = ''] = volume.split(':');
    return [{ source, target }];
  });
}

/** The RabbitMQ nodes of a (merged, interpolated) Compose document. */
export function brokerNodes(document: ComposeDocument, composeDir: string): ComposeBrokerNode[] {
  return Object.entries(document.services ?? {})
    .filter(([, service]) => isBroker(service))
    .map(([name, service]) => {
      const mounts = bindMounts(service);
      const conf = new Map<string, string>();
      for (const { source, target } of mounts) {
        const file = resolve(composeDir, source);
        if (!target.startsWith(CONF_DIR) || !existsSync(file)) continue;
        for (const [key, value] of parseRabbitmqConf(readFileSync(file, 'utf8')))
          conf.set(key, value);
      }
      const environment = serviceEnvironment(service);
      const data = mounts.find((mount) => mount.target === DATA_DIR)?.source;
      return {
        service: name,
        hostname: (service as { hostname?: string }).hostname,
        environment,
        conf,
        cookieSecret: secretPaths(service).get(COOKIE_MOUNT),
        dataVolume: data && !/^[./~]/.test(data) ? data : undefined,
        provisions:
          environment['LINEBACKER_RABBITMQ_PROVISION'] !== 'false' &&
          mounts.some((mount) => mount.target === DEFINITIONS_MOUNT),
        hasHealthcheck:
          service.healthcheck?.disable !== true && service.healthcheck?.test !== undefined,
      };
    });
}

/** The classic-config peer list of a node's configuration, as `rabbit@host` names. */
function classicConfigNodes(conf: Map<string, string>): string[] {
  return [...conf.entries()]
    .filter(([key]) => /^cluster_formation\.classic_config\.nodes\.\d+$/.test(key))
    .map(([, value]) => value);
}

function nodeProblems(nodes: readonly ComposeBrokerNode[], document: ComposeDocument): string[] {
  const problems: string[] = [];
  const count = nodes.length;
  const names = nodes.map((node) => `rabbit@${node.hostname ?? node.service}`).sort();
  if (count % 2 === 0)
    problems.push(
      `a RabbitMQ cluster of ${count} nodes: use an odd number, an even one tolerates no more node losses than one node fewer`,
    );
  const cookies = new Set(nodes.map((node) => node.cookieSecret));
  for (const node of nodes) {
    const where = `services.${node.service}`;
    // Docker's DNS resolves service names, not `hostname`: the node name must be both.
    if (node.hostname !== node.service)
      problems.push(`${where}.hostname: must be "${node.service}", its node name's host`);
    const backend = node.conf.get('cluster_formation.peer_discovery_backend');
    if (backend !== 'classic_config' && backend !== 'rabbit_peer_discovery_classic_config')
      problems.push(`${where}: cluster_formation.peer_discovery_backend must be classic_config`);
    const peers = classicConfigNodes(node.conf).sort();
    if (JSON.stringify(peers) !== JSON.stringify(names))
      problems.push(
        `${where}: cluster_formation.classic_config.nodes lists ${peers.join(', ') || 'nothing'}, ` +
          `the cluster's nodes are ${names.join(', ')}`,
      );
    if (node.conf.get('cluster_partition_handling') !== 'autoheal')
      problems.push(`${where}: cluster_partition_handling must be autoheal`);
    if (!node.cookieSecret)
      problems.push(`${where}.secrets: mounts no Erlang cookie at ${COOKIE_MOUNT}`);
    else if (!document.secrets?.[node.cookieSecret]?.file)
      problems.push(`${where}.secrets: "${node.cookieSecret}" is not a file secret under secrets`);
    if (!node.dataVolume)
      problems.push(`${where}.volumes: ${DATA_DIR} must be a named volume of its own`);
    if (!node.hasHealthcheck) problems.push(`${where}: needs a health check`);
    if (node.environment['LINEBACKER_RABBITMQ_CLUSTER_SIZE'] !== String(count))
      problems.push(
        `${where}.environment: LINEBACKER_RABBITMQ_CLUSTER_SIZE must be ${count}, ` +
          'so the node reports healthy only once every node is in the cluster',
      );
  }
  if (cookies.size > 1)
    problems.push('every RabbitMQ node must mount the same Erlang cookie secret');
  const volumes = nodes.map((node) => node.dataVolume).filter(Boolean);
  if (new Set(volumes).size !== volumes.length)
    problems.push('every RabbitMQ node needs a data volume of its own');
  const provisioners = nodes.filter((node) => node.provisions).map((node) => node.service);
  if (provisioners.length !== 1)
    problems.push(
      `exactly one RabbitMQ node must provision (mount ${DEFINITIONS_MOUNT} and not set ` +
        `LINEBACKER_RABBITMQ_PROVISION=false); found ${provisioners.join(', ') || 'none'}`,
    );
  return problems;
}

/** Host names a URL list names, in order. */
const hostsOf = (list: string): string[] =>
  list.split(',').map((entry) => {
    try {
      return new URL(entry.trim()).hostname;
    } catch {
      return '';
    }
  });

function appProblems(nodes: readonly ComposeBrokerNode[], apps: readonly RunningApp[]): string[] {
  const problems: string[] = [];
  const hosts = nodes.map((node) => node.hostname ?? node.service);
  for (const app of apps) {
    for (const variable of URL_VARIABLES) {
      const list = app.environment[variable];
      if (list === undefined) continue;
      const named = hostsOf(list);
      // A broker outside this file (a real backup interface) is not this cluster's business.
      if (!named.some((host) => hosts.includes(host))) continue;
      if (JSON.stringify([...named].sort()) !== JSON.stringify([...hosts].sort()))
        problems.push(
          `services.${app.service}.environment: ${variable} names ${named.join(', ')}; ` +
            `it must list every node of the cluster once: ${hosts.join(', ')}`,
        );
    }
    if (app.config['quorumGroupSize'] === undefined) continue;
    const size = topologyOptionsOf(app.config as unknown as BrokerConfig).quorumInitialGroupSize;
    if (size === undefined || size % 2 === 0 || size > nodes.length)
      problems.push(
        `services.${app.service}: quorum queues get ${String(size ?? "the broker's default")} replicas; ` +
          `on ${nodes.length} nodes use an odd number from 3 to ${nodes.length} (LINEBACKER_QUORUM_INITIAL_GROUP_SIZE)`,
      );
  }
  return problems;
}

/**
 * With more than one RabbitMQ node in the file (docker/compose.cluster.yaml), checks that
 * they form one cluster the apps can fail over in: an odd number of nodes, each resolvable by
 * its node name, all found by the same classic-config peer list, sharing one Erlang cookie
 * secret, each with its own data volume, a health check that waits for the whole cluster,
 * `autoheal`, exactly one that provisions; and every app given every node, with quorum
 * queues of an odd size the cluster can hold.
 */
export function clusterProblems(
  document: ComposeDocument,
  apps: readonly RunningApp[],
  composeDir: string,
): string[] {
  const nodes = brokerNodes(document, composeDir);
  if (nodes.length < 2) return [];
  return [...nodeProblems(nodes, document), ...appProblems(nodes, apps)];
}
