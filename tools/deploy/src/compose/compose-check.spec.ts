import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { APP_CONFIG_SCHEMAS } from '@linebacker/pipeline';
import { loadConfig } from '@linebacker/runtime';
import { WORKSPACE_ROOT } from '@linebacker/testing';
import { checkComposeText, inspectCompose, type ComposeCheckOptions } from './compose-check';
import { secretPaths } from './compose-model';
import { runDclint } from './dclint';

const DOCKER_DIR = join(WORKSPACE_ROOT, 'docker');
const COMPOSE_FILE = join(DOCKER_DIR, 'compose.yaml');
const DCLINT_CONFIG = join(DOCKER_DIR, '.dclintrc.yaml');
const compose = readFileSync(COMPOSE_FILE, 'utf8');
const options: ComposeCheckOptions = { composeDir: DOCKER_DIR, workspaceRoot: WORKSPACE_ROOT };

/** The real file with one text replacement, which must apply exactly once. */
function variant(search: string | RegExp, replacement: string): string {
  const changed = compose.replace(search, replacement);
  if (changed === compose) throw new Error(`variant: ${String(search)} not found`);
  return changed;
}

describe('docker/compose.yaml', () => {
  it('passes the schema, every cross-reference and every app config check', () => {
    expect(checkComposeText(compose, { ...options, requireBuiltBundles: true })).toEqual([]);
  });

  it('passes dclint with the repository rules and no warnings', () => {
    const result = runDclint(COMPOSE_FILE, DCLINT_CONFIG);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it('still passes when the deployment overrides the external services', () => {
    const env = {
      LINEBACKER_JOB_SERVICE_URL: 'https://jobs.example.internal',
      LINEBACKER_INTERFACE_AMQP_URL: 'amqps://u:p@interface.example.internal/backup',
    };
    expect(checkComposeText(compose, { ...options, env })).toEqual([]);
  });

  /** The LINEBACKER_CALLBACK_* variables an app reads (a secret in its `_FILE` form). */
  const callbackKeys = (app: string): string[] =>
    Object.values(APP_CONFIG_SCHEMAS[app] ?? {})
      .filter((key) => key.env.startsWith('LINEBACKER_CALLBACK_'))
      .map((key) => (key.secret ? `${key.env}_FILE` : key.env));

  it('gives the receiver and the notifier every callback key their apps read', () => {
    const { apps } = inspectCompose(compose, options);
    // The policy's four keys; the notifier's also the signing keys and two bounds.
    expect(callbackKeys('http-receiver')).toHaveLength(4);
    expect(callbackKeys('notifier')).toHaveLength(7);
    for (const service of ['http-receiver', 'notifier']) {
      const environment = apps.find((running) => running.service === service)?.environment ?? {};
      expect(Object.keys(environment)).toEqual(expect.arrayContaining(callbackKeys(service)));
    }
  });

  it('passes the callback settings from the environment to the receiver and the notifier', () => {
    const clients = '[{"requesterId":"nightly-db","callbackUrl":"https://jobs.example.com/lb"}]';
    const env = {
      LINEBACKER_CALLBACK_CLIENTS: clients,
      LINEBACKER_CALLBACK_ALLOW_HTTP: 'true',
      LINEBACKER_CALLBACK_ALLOW_PRIVATE_ADDRESSES: 'true',
      LINEBACKER_CALLBACK_DNS_TIMEOUT_MS: '750',
      LINEBACKER_CALLBACK_TIMEOUT_MS: '1500',
      LINEBACKER_CALLBACK_BREAKER_RESET_MS: '9000',
      LINEBACKER_CALLBACK_SECRETS_HOST_FILE: './secrets/linebacker-callback-secrets.json',
    };
    const { problems, apps, document } = inspectCompose(compose, { ...options, env });
    expect(problems).toEqual([]);
    const policy = {
      callbackClients: clients,
      callbackAllowHttp: true,
      callbackAllowPrivateAddresses: true,
      callbackDnsTimeoutMs: 750,
    };
    const receiver = apps.find((running) => running.service === 'http-receiver');
    const notifier = apps.find((running) => running.service === 'notifier');
    expect(receiver?.config).toMatchObject(policy);
    expect(notifier?.config).toMatchObject({
      ...policy,
      callbackTimeoutMs: 1500,
      callbackBreakerResetMs: 9000,
    });
    // The signing keys: the host file, mounted as the secret the notifier's _FILE names.
    const keysFile = notifier?.environment['LINEBACKER_CALLBACK_SECRETS_FILE'] ?? '';
    const secret = secretPaths(document.services?.['notifier'] ?? {}).get(keysFile);
    expect(secret).toBeDefined();
    expect(document.secrets?.[secret ?? '']?.file).toBe(env.LINEBACKER_CALLBACK_SECRETS_HOST_FILE);
    expect(receiver?.environment).not.toHaveProperty('LINEBACKER_CALLBACK_SECRETS_FILE');
  });

  it('leaves callbacks off unless configured: the apps’ defaults and no signing keys', () => {
    const { apps, document } = inspectCompose(compose, options);
    for (const service of ['http-receiver', 'notifier']) {
      const running = apps.find((app) => app.service === service);
      const schema = APP_CONFIG_SCHEMAS[service] ?? {};
      for (const [field, key] of Object.entries(schema)) {
        if (key.env.startsWith('LINEBACKER_CALLBACK_') && !key.secret)
          expect([key.env, running?.config[field]]).toEqual([key.env, key.default]);
      }
    }
    // The secret's default file exists (`up` needs it) and the notifier reads it as no keys.
    const file = document.secrets?.['linebacker-callback-secrets']?.file ?? '';
    const signingKeys = APP_CONFIG_SCHEMAS['notifier']?.['callbackSigningKeys'];
    if (signingKeys === undefined) throw new Error('the notifier reads no callbackSigningKeys');
    const config = loadConfig(
      { signingKeys },
      { [`${signingKeys.env}_FILE`]: join(DOCKER_DIR, file) },
    );
    expect(JSON.parse(String(config.signingKeys))).toEqual({});
  });
});

describe('a broken compose file', () => {
  it('is rejected when depends_on names a service that does not exist', () => {
    const broken = variant(
      '    migrate:\n      condition: service_completed_successfully',
      '    migrat:\n      condition: service_completed_successfully',
    );
    expect(checkComposeText(broken, options)).toContainEqual(
      expect.stringMatching(/services\.check-allowed\.depends_on: "migrat" is not a service/),
    );
  });

  it('is rejected when a worker lacks a variable its config schema requires', () => {
    const broken = variant(
      /\n {2}LINEBACKER_JOB_SERVICE_URL: .*\n/,
      '\n  LINEBACKER_JOB_SERVICE_TIMEOUT_MS: "2000"\n',
    );
    const problems = checkComposeText(broken, options);
    for (const app of ['check-allowed', 'receive-status']) {
      expect(problems).toContainEqual(
        `services.${app}.environment (${app}): LINEBACKER_JOB_SERVICE_URL is required (base URL of the backup job service)`,
      );
    }
  });

  it('is rejected when a value fails the app’s own parser', () => {
    const broken = variant('LINEBACKER_QUEUE_TYPE: quorum', 'LINEBACKER_QUEUE_TYPE: lazy');
    expect(checkComposeText(broken, options)).toContainEqual(
      expect.stringMatching(
        /notifier\.environment \(notifier\): LINEBACKER_QUEUE_TYPE="lazy": must be one of quorum, classic/,
      ),
    );
  });

  it('is rejected when a service sets a LINEBACKER_ variable its app does not read', () => {
    const broken = variant(
      'LINEBACKER_APP: notifier',
      'LINEBACKER_APP: notifier\n      LINEBACKER_PREFECH: "10"',
    );
    expect(checkComposeText(broken, options)).toEqual([
      'services.notifier.environment: LINEBACKER_PREFECH is not read by notifier (a typo, or the wrong service?)',
    ]);
  });

  it('is rejected when a service runs an app the image does not hold', () => {
    const broken = variant('LINEBACKER_APP: notifier', 'LINEBACKER_APP: notifyer');
    expect(checkComposeText(broken, options)).toContainEqual(
      expect.stringMatching(
        /services\.notifier\.environment: LINEBACKER_APP=notifyer, but the image holds only migrate, /,
      ),
    );
  });

  it('is rejected, with every schema error at once, for unknown keys and bad values', () => {
    const broken = variant(
      '    mem_limit: 1g\n    environment:\n      POSTGRES_USER',
      '    mem_limit: 1g\n    helthcheck: {}\n    environment:\n      POSTGRES_USER',
    ).replace('replicas: 2', 'replica: 2');
    const problems = checkComposeText(broken, options);
    expect(problems).toContainEqual('schema: services.postgres: unknown key "helthcheck"');
    expect(problems).toContainEqual('schema: services.check-allowed.deploy: unknown key "replica"');
  });

  it('is rejected when a service always runs but depends on a dev-profile simulator', () => {
    const broken = variant(
      '    rabbitmq:\n      condition: service_healthy\n    migrate:',
      '    rabbitmq:\n      condition: service_healthy\n    sim-backup-job-service:\n      condition: service_started\n    migrate:',
    );
    expect(checkComposeText(broken, options)).toContainEqual(
      expect.stringMatching(
        /depends_on: "sim-backup-job-service" only runs with profile dev, but http-receiver always runs/,
      ),
    );
  });

  it('is rejected when the stop grace period is shorter than the apps’ stop deadline', () => {
    const broken = variant('stop_grace_period: 15s', 'stop_grace_period: 5s');
    expect(checkComposeText(broken, options)).toContainEqual(
      expect.stringMatching(
        /services\.recovery\.stop_grace_period: 5000 ms is shorter than the app's stop deadline \(10000 ms\)/,
      ),
    );
  });

  it('is rejected when a build context, a Dockerfile or a bind mount is missing', () => {
    const broken = variant(
      'dockerfile: docker/Dockerfile',
      'dockerfile: docker/Dockerfile.missing',
    ).replace('./rabbitmq/20-linebacker.conf', './rabbitmq/missing.conf');
    const problems = checkComposeText(broken, options);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /services\.migrate\.build: Dockerfile .*docker\/Dockerfile\.missing does not exist/,
      ),
    );
    expect(problems).toContainEqual(
      'services.rabbitmq.volumes: bind source ./rabbitmq/missing.conf does not exist',
    );
  });

  it('is rejected when an app logs in as the superuser or with a login the roles script lacks', () => {
    const broken = variant(
      'postgres://lb_notifier:${LB_NOTIFIER_PASSWORD:?}',
      'postgres://${POSTGRES_USER:-linebacker}:${POSTGRES_PASSWORD:?}',
    ).replace(' app:lb_recovery', '');
    expect(checkComposeText(broken, options)).toEqual([
      'services.notifier.environment.LINEBACKER_DATABASE_URL: logs in as the superuser linebacker; give it an app login',
      'services.recovery.environment.LINEBACKER_DATABASE_URL: logs in as lb_recovery, which services.postgres.environment.LINEBACKER_PG_ROLES does not create as app:lb_recovery',
    ]);
  });

  it('is rejected when migrate is not the owner, or two apps share a login', () => {
    const broken = variant('postgres://lb_owner:', 'postgres://lb_cli:').replace(
      'postgres://lb_recovery:',
      'postgres://lb_notifier:',
    );
    expect(checkComposeText(broken, options)).toEqual([
      'services.migrate.environment.LINEBACKER_DATABASE_URL: logs in as lb_cli, which services.postgres.environment.LINEBACKER_PG_ROLES does not create as owner:lb_cli',
      'services.recovery.environment.LINEBACKER_DATABASE_URL: logs in as lb_notifier, like services.notifier',
    ]);
  });

  it('is rejected when a database password has a default or is written out', () => {
    const broken = variant(
      'LB_CLI_PASSWORD: ${LB_CLI_PASSWORD:?}',
      'LB_CLI_PASSWORD: ${LB_CLI_PASSWORD:-linebacker}',
    ).replace('lb_check_allowed:${LB_CHECK_ALLOWED_PASSWORD:?}@', 'lb_check_allowed:secret@');
    expect(checkComposeText(broken, options)).toEqual([
      'services.postgres.environment.LB_CLI_PASSWORD: a database password is a required variable (${LB_CLI_PASSWORD:?}), never a default or a literal',
      'services.check-allowed.environment.LINEBACKER_DATABASE_URL: the password is a required variable (${NAME:?}), never a default or a literal',
    ]);
  });

  it('is rejected when an app connects as another user, or with a password in its URL', () => {
    const otherUser = variant(
      'amqp://linebacker-notifier@rabbitmq',
      'amqp://linebacker-recovery@rabbitmq',
    );
    expect(checkComposeText(otherUser, options)).toContainEqual(
      'services.notifier.environment: LINEBACKER_AMQP_URL must connect as linebacker-notifier',
    );
    const inline = variant(
      'amqp://linebacker-notifier@rabbitmq',
      'amqp://linebacker-notifier:changeme@rabbitmq',
    );
    expect(checkComposeText(inline, options)).toContainEqual(
      'services.notifier.environment: LINEBACKER_AMQP_URL holds a password; use LINEBACKER_AMQP_PASSWORD_FILE instead',
    );
  });

  it('checks every node of a cluster URL list, not only the first', () => {
    const node = 'amqp://linebacker-notifier@rabbitmq:5672/linebacker';
    const secondWithPassword = variant(
      node,
      `${node},amqp://linebacker-notifier:changeme@rabbitmq-2:5672/linebacker`,
    );
    expect(checkComposeText(secondWithPassword, options)).toContainEqual(
      'services.notifier.environment: LINEBACKER_AMQP_URL holds a password; use LINEBACKER_AMQP_PASSWORD_FILE instead',
    );
    const secondAsOther = variant(
      node,
      `${node},amqp://linebacker-recovery@rabbitmq-2:5672/linebacker`,
    );
    expect(checkComposeText(secondAsOther, options)).toContainEqual(
      'services.notifier.environment: LINEBACKER_AMQP_URL must connect as linebacker-notifier',
    );
  });

  it('is rejected when a password file is not a secret the service mounts', () => {
    const broken = variant('    secrets: [linebacker-notifier, linebacker-callback-secrets]\n', '');
    const problems = checkComposeText(broken, options);
    expect(problems).toContainEqual(
      'services.notifier.environment: LINEBACKER_AMQP_PASSWORD_FILE=/run/secrets/linebacker-notifier is not a secret this service mounts',
    );
    expect(problems).toContainEqual(
      'services.notifier.environment: LINEBACKER_CALLBACK_SECRETS_FILE=/run/secrets/linebacker-callback-secrets is not a secret this service mounts',
    );
  });

  it('is rejected when an app would declare the whole topology with its restricted user', () => {
    const broken = variant('LINEBACKER_TOPOLOGY: declare-own', 'LINEBACKER_TOPOLOGY: declare-all');
    expect(checkComposeText(broken, options)).toContainEqual(
      'services.recovery.environment: LINEBACKER_TOPOLOGY must be declare-own (each app has its own user)',
    );
  });

  it('is rejected when the broker definitions no longer match the apps’ configuration', () => {
    const broken = variant(
      '  LINEBACKER_TOPOLOGY: declare-own\n',
      "  LINEBACKER_TOPOLOGY: declare-own\n  LINEBACKER_RETRY_MAX_DELAY_MS: '60000'\n",
    );
    expect(checkComposeText(broken, options)).toContainEqual(
      expect.stringMatching(
        /rabbitmq\/definitions\.json differs from what the code generates .*deploy:rabbitmq-definitions/,
      ),
    );
  });

  it('is rejected when Prometheus does not scrape an app on the health port it gets', () => {
    const broken = variant(
      '      LINEBACKER_APP: recovery\n',
      "      LINEBACKER_APP: recovery\n      LINEBACKER_HEALTH_PORT: '9200'\n",
    );
    expect(checkComposeText(broken, options)).toContainEqual(
      expect.stringMatching(/no scrape job reaches services\.recovery on its health port 9200/),
    );
  });

  it('is rejected when a rule file Prometheus loads is not mounted', () => {
    const broken = variant(
      '      - ./observability/alerts.yml:/etc/prometheus/alerts.yml:ro\n',
      '',
    );
    expect(checkComposeText(broken, options)).toContainEqual(
      expect.stringMatching(/rule file \/etc\/prometheus\/alerts\.yml is not mounted/),
    );
  });

  it('fails dclint for a port published on every host interface', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-check-'));
    try {
      const file = join(dir, 'compose.yaml');
      writeFileSync(file, variant("'127.0.0.1:${HTTP_PORT:-8080}:8080'", "'8080:8080'"));
      const result = runDclint(file, DCLINT_CONFIG);
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/no-unbound-port-interfaces/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails dclint too, for a key the compose specification does not have', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-check-'));
    try {
      const file = join(dir, 'compose.yaml');
      writeFileSync(file, variant("    restart: 'no'", "    restart: 'no'\n    restrat: always"));
      const result = runDclint(file, DCLINT_CONFIG);
      expect(result.ok).toBe(false);
      // dclint stops at its first schema error and does not name the key; checkComposeText does.
      expect(result.output).toMatch(/\/services\/migrate.*must NOT have additional properties/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
