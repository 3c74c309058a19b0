import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  bundlePath,
  deleteBrokerVhostsAndUsers,
  testNamespace,
  WORKSPACE_ROOT,
} from '@linebacker/testing';

const run = promisify(execFile);

/** The script operators run on an existing broker; the tests run exactly it. */
export const PROVISION_SCRIPT = join(WORKSPACE_ROOT, 'tools', 'security', 'provision-rabbitmq.sh');

/** A deployment's users and vhosts, provisioned on the local broker for one suite. */
export interface ProvisionedBroker {
  namespace: string;
  vhost: string;
  interfaceVhost: string;
  /** Settings the definitions were generated from; every app must read the same. */
  env: Record<string, string>;
  /** `<prefix><name>`: e.g. user('check-allowed'), user('operator'). */
  user(name: string): string;
  /** The user's password file (what its `*_PASSWORD_FILE` variables name). */
  passwordFile(user: string): string;
  /** An AMQP URL for the user on the vhost, with its password in it. */
  url(user: string, vhost: string): string;
  /** An AMQP URL for the user on the vhost, without password. */
  bareUrl(user: string, vhost: string): string;
  /** Deletes both vhosts (with every queue), the users and the secrets. */
  remove(): Promise<void>;
}

/**
 * Provisions a fresh deployment the documented way: `linebacker topology export --access`
 * (the built CLI) writes the definitions, a random password per user goes to a secrets
 * folder, and `tools/security/provision-rabbitmq.sh` creates users, vhosts, permissions and
 * topology. Queues are classic (cheap to create by the dozen on a shared broker).
 */
export async function provisionBroker(
  brokerUrl: string,
  prefix: string,
): Promise<ProvisionedBroker> {
  const namespace = testNamespace(prefix);
  const vhost = namespace;
  const interfaceVhost = `${namespace}_interface`;
  const folder = mkdtempSync(join(tmpdir(), `${namespace}-`));
  const secrets = join(folder, 'secrets');
  const definitions = join(folder, 'definitions.json');
  const env = {
    LINEBACKER_NAMESPACE: namespace,
    LINEBACKER_QUEUE_TYPE: 'classic',
    LINEBACKER_TOPOLOGY: 'declare-own',
    LINEBACKER_INTERFACE_REQUEST_QUEUE: `${namespace}.backup-interface.requests`,
    LINEBACKER_INTERFACE_REPLY_QUEUE: `${namespace}.backup-interface.replies`,
    LINEBACKER_INTERFACE_REQUEST_EXCHANGE: `${namespace}.backup-interface.to-requests`,
    LINEBACKER_INTERFACE_REPLY_EXCHANGE: `${namespace}.backup-interface.to-replies`,
  };
  const user = (name: string) => `${namespace}-${name}`;
  let users: string[] = [];
  const remove = async () => {
    await deleteBrokerVhostsAndUsers([vhost, interfaceVhost], users);
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    await run(
      process.execPath,
      [bundlePath('cli'), 'topology', 'export', '--access', '--out', definitions]
        .concat(['--vhost', vhost, '--interface-vhost', interfaceVhost])
        .concat(['--user-prefix', user('')]),
      { env: { PATH: process.env['PATH'] ?? '', ...env } },
    );
    const granted = JSON.parse(readFileSync(definitions, 'utf8')) as {
      permissions: Array<{ user: string }>;
    };
    users = [...new Set(granted.permissions.map((p) => p.user))];
    writeSecrets(secrets, users);
    await run('bash', [PROVISION_SCRIPT, definitions, secrets], { timeout: 180_000 });
  } catch (error) {
    await remove();
    throw error;
  }
  const base = new URL(brokerUrl);
  const bareUrl = (name: string, where: string) => {
    const url = new URL(base.toString());
    url.username = name;
    url.password = '';
    url.pathname = `/${encodeURIComponent(where)}`;
    return url.toString();
  };
  const passwordFile = (name: string) => join(secrets, name);
  return {
    namespace,
    vhost,
    interfaceVhost,
    env,
    user,
    passwordFile,
    bareUrl,
    url: (name, where) => {
      const url = new URL(bareUrl(name, where));
      url.password = readFileSync(passwordFile(name), 'utf8').trim();
      return url.toString();
    },
    remove,
  };
}

/**
 * One random password per user, in a file named like the user (the layout the script and
 * Docker secrets share). URL-reserved characters check that nothing along the way (the
 * script's stdin, the apps' URL) mangles them.
 */
function writeSecrets(folder: string, users: readonly string[]): void {
  mkdirSync(folder, { mode: 0o700 });
  for (const user of users)
    writeFileSync(join(folder, user), `${randomBytes(12).toString('hex')}@:/%\n`, { mode: 0o600 });
}
