import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import {
  brokerDefinitions,
  INTERFACE_USER,
  SERVICES,
  topologyOptionsOf,
  type BrokerAccessSettings,
  type BrokerConfig,
} from '@linebacker/pipeline';
import type { RunningApp } from './app-environment';
import type { ComposeDocument } from './compose-model';

/** Every RabbitMQ user of docker/compose.yaml is named `linebacker-<app>`. */
export const COMPOSE_USER_PREFIX = 'linebacker-';

/** The definitions the Compose broker is provisioned from, beside the Compose file. */
export const DEFINITIONS_FILE = join('rabbitmq', 'definitions.json');

/** Where the broker's boot script reads the definitions (docker/rabbitmq/rabbitmq-boot.sh). */
export const DEFINITIONS_MOUNT = '/etc/linebacker/definitions.json';

/**
 * The definitions file a Compose document's broker is provisioned from, relative to the
 * Compose file's folder: the bind source a service mounts at DEFINITIONS_MOUNT (the cluster
 * override mounts its own), else DEFINITIONS_FILE.
 */
export function definitionsFileOf(document: ComposeDocument): string {
  for (const service of Object.values(document.services ?? {})) {
    for (const volume of service.volumes ?? []) {
      if (typeof volume !== 'string') continue;
      const [source, target] = volume.split(':');
      if (target === DEFINITIONS_MOUNT && source) return normalize(source);
    }
  }
  return DEFINITIONS_FILE;
}

const BROKERS = [
  { url: 'LINEBACKER_AMQP_URL', password: 'LINEBACKER_AMQP_PASSWORD_FILE' },
  { url: 'LINEBACKER_INTERFACE_AMQP_URL', password: 'LINEBACKER_INTERFACE_AMQP_PASSWORD_FILE' },
] as const;

/** Keys that shape the broker topology: every app must agree on them. */
const TOPOLOGY_KEYS = [
  'namespace',
  'queueType',
  'deliveryLimit',
  'retryInitialDelayMs',
  'retryMaxDelayMs',
  'quorumGroupSize',
];
const INTERFACE_KEYS = [
  'interfaceRequestQueue',
  'interfaceReplyQueue',
  'interfaceRequestExchange',
  'interfaceReplyExchange',
];

const expectedUser = (app: string): string | undefined =>
  (Object.values(SERVICES) as string[]).includes(app)
    ? `${COMPOSE_USER_PREFIX}${app}`
    : app === 'sim-backup-interface'
      ? `${COMPOSE_USER_PREFIX}${INTERFACE_USER}`
      : undefined;

/** The vhost of an AMQP URL (`/` when it names none). */
const vhostOf = (url: URL): string => decodeURIComponent(url.pathname.replace(/^\//, '')) || '/';

/**
 * Each app that talks to RabbitMQ connects as its own user (`linebacker-<app>`), with no
 * password in its URL but one read from the secret named like the user, and (pipeline apps)
 * declares only its own topology. Returns the vhosts seen, by variable.
 */
function userProblems(apps: readonly RunningApp[]): {
  problems: string[];
  vhosts: Map<string, Set<string>>;
} {
  const problems: string[] = [];
  const vhosts = new Map<string, Set<string>>(BROKERS.map((b) => [b.url, new Set<string>()]));
  for (const { service, app, environment, config } of apps) {
    const user = expectedUser(app);
    if (user === undefined) continue;
    const where = `services.${service}.environment`;
    if ((Object.values(SERVICES) as string[]).includes(app) && config['topology'] !== 'declare-own')
      problems.push(
        `${where}: LINEBACKER_TOPOLOGY must be declare-own (each app has its own user)`,
      );
    for (const broker of BROKERS) {
      const raw = environment[broker.url];
      if (raw === undefined) continue;
      // A cluster's nodes come as a comma-separated list: every node URL must pass.
      const urls = raw.split(',').map((entry) => new URL(entry.trim()));
      urls.forEach((url) => vhosts.get(broker.url)?.add(vhostOf(url)));
      if (urls.some((url) => decodeURIComponent(url.username) !== user))
        problems.push(`${where}: ${broker.url} must connect as ${user}`);
      if (urls.some((url) => url.password))
        problems.push(`${where}: ${broker.url} holds a password; use ${broker.password} instead`);
      if (environment[broker.password] !== `/run/secrets/${user}`)
        problems.push(`${where}: ${broker.password} must be /run/secrets/${user}`);
    }
  }
  return { problems, vhosts };
}

function agreementProblems(apps: readonly RunningApp[], keys: readonly string[]): string[] {
  const [first, ...rest] = apps;
  if (!first) return [];
  return rest.flatMap((other) =>
    keys
      .filter((key) => JSON.stringify(other.config[key]) !== JSON.stringify(first.config[key]))
      .map((key) => `services.${other.service}: ${key} differs from services.${first.service}'s`),
  );
}

/**
 * Every app must declare its quorum queues with the same replica count, or RabbitMQ refuses
 * the second declare (406): with `auto`, an app given one URL and one given three would differ.
 */
function groupSizeProblems(apps: readonly RunningApp[]): string[] {
  const sizeOf = (app: RunningApp) =>
    topologyOptionsOf(app.config as unknown as BrokerConfig).quorumInitialGroupSize;
  const [first, ...rest] = apps;
  if (!first) return [];
  return rest
    .filter((other) => sizeOf(other) !== sizeOf(first))
    .map(
      (other) =>
        `services.${other.service}: declares quorum queues with ${String(sizeOf(other) ?? "the broker's default")} ` +
        `replicas, services.${first.service} with ${String(sizeOf(first) ?? "the broker's default")} ` +
        '(LINEBACKER_QUORUM_INITIAL_GROUP_SIZE and the number of URLs must agree)',
    );
}

/** The broker set-up Compose needs, from the apps' own configuration (or why it cannot be). */
export function composeBrokerAccess(apps: readonly RunningApp[]): {
  problems: string[];
  settings?: BrokerAccessSettings;
} {
  const pipeline = apps.filter((a) => (Object.values(SERVICES) as string[]).includes(a.app));
  const interfaceApps = apps.filter((a) =>
    [SERVICES.sendToInterface, SERVICES.interfaceReceiver].includes(a.app as never),
  );
  const { problems, vhosts } = userProblems(apps);
  problems.push(...agreementProblems(pipeline, TOPOLOGY_KEYS));
  problems.push(...groupSizeProblems(pipeline));
  problems.push(...agreementProblems(interfaceApps, INTERFACE_KEYS));
  const [vhost, ...otherVhosts] = [...(vhosts.get(BROKERS[0].url) ?? [])];
  const [interfaceVhost, ...otherInterfaceVhosts] = [...(vhosts.get(BROKERS[1].url) ?? [])];
  if (otherVhosts.length > 0 || otherInterfaceVhosts.length > 0)
    problems.push('every app must use the same vhost for linebacker, and one for the interface');
  const source = interfaceApps[0] ?? pipeline[0];
  if (!vhost || !interfaceVhost || !source || problems.length > 0) return { problems };
  const config = source.config as unknown as BrokerConfig;
  return { problems, settings: { config, vhost, interfaceVhost, userPrefix: COMPOSE_USER_PREFIX } };
}

/** The definitions file's text for these settings (what `rabbitmq-definitions` writes). */
export function definitionsText(settings: BrokerAccessSettings): string {
  return `${JSON.stringify(brokerDefinitions(settings), null, 2)}\n`;
}

/** User and agreement problems, and a definitions file that drifted from the code. */
export function rabbitmqAccessProblems(
  apps: readonly RunningApp[],
  composeDir: string,
  definitionsFile: string = DEFINITIONS_FILE,
): string[] {
  const { problems, settings } = composeBrokerAccess(apps);
  if (!settings) return problems;
  let expected: string;
  try {
    expected = definitionsText(settings);
  } catch (error) {
    // The settings cannot give every app a user of its own (e.g. no interface exchanges).
    return [...problems, (error as Error).message];
  }
  const file = join(composeDir, definitionsFile);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (current !== expected)
    problems.push(
      `${file} differs from what the code generates for this file: ` +
        'run `npx nx run deploy:rabbitmq-definitions`',
    );
  return problems;
}
