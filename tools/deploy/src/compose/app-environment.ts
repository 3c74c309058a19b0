import type { AnyConfigSchema } from '@linebacker/pipeline';
import { ConfigError, loadConfig } from '@linebacker/runtime';
import {
  durationMs,
  serviceEnvironment,
  type ComposeDocument,
  type ComposeService,
} from './compose-model';
import type { DockerfileFacts } from './dockerfile';
import { withSecretFiles } from './secret-files';

/** The variable the image's entrypoint reads to pick the app (docker/entrypoint.sh). */
export const APP_SELECTOR = 'LINEBACKER_APP';

/** Compose's own default when a service sets no `stop_grace_period`. */
const COMPOSE_DEFAULT_GRACE_MS = 10_000;
/** runService exits at most this long after the stop deadline (libs/runtime). */
const STOP_MARGIN_MS = 2_000;

function graceProblems(name: string, service: ComposeService, config: object): string[] {
  const deadline = (config as { stopDeadlineMs?: unknown }).stopDeadlineMs;
  if (typeof deadline !== 'number') return [];
  const grace =
    service.stop_grace_period === undefined
      ? COMPOSE_DEFAULT_GRACE_MS
      : durationMs(service.stop_grace_period);
  if (grace === undefined) {
    return [`services.${name}.stop_grace_period: "${service.stop_grace_period}" is not a duration`];
  }
  return grace < deadline + STOP_MARGIN_MS
    ? [
        `services.${name}.stop_grace_period: ${grace} ms is shorter than the app's stop deadline ` +
          `(${deadline} ms) plus ${STOP_MARGIN_MS} ms, so a graceful stop would be killed`,
      ]
    : [];
}

/** A service that runs one of the image's apps, with the configuration it would start with. */
export interface RunningApp {
  service: string;
  app: string;
  /** The service's own environment (interpolated), without the image's ENV. */
  environment: Record<string, string>;
  config: Readonly<Record<string, unknown>>;
}

/**
 * Checks one service that runs the linebacker image: it names an app the image holds, and
 * the image's ENV plus the service's environment is a configuration that app accepts — its
 * own `loadConfig` runs on it, so a missing required variable or a bad value is caught with
 * the app's own message; a LINEBACKER_* variable the app does not read is reported as a typo.
 * A secret read from a file counts as set when the file is a secret the service mounts.
 */
export function inspectAppService(
  name: string,
  service: ComposeService,
  image: DockerfileFacts,
  schemas: Readonly<Record<string, AnyConfigSchema>>,
  document: ComposeDocument,
): { problems: string[]; running?: RunningApp } {
  const where = `services.${name}.environment`;
  if (service.env_file !== undefined) {
    const problem = `services.${name}.env_file: set the apps' variables under environment, where they are checked`;
    return { problems: [problem] };
  }
  const environment = serviceEnvironment(service);
  const app = environment[APP_SELECTOR];
  if (!app) return { problems: [`${where}: ${APP_SELECTOR} must name the app this service runs`] };
  if (!image.copiedBundles.includes(app)) {
    const held = image.copiedBundles.join(', ');
    return { problems: [`${where}: ${APP_SELECTOR}=${app}, but the image holds only ${held}`] };
  }
  const schema = schemas[app];
  if (!schema) return { problems: [`${where}: no config schema is known for app ${app}`] };
  const reads = new Set(
    Object.values(schema).flatMap((key) => (key.secret ? [key.env, `${key.env}_FILE`] : [key.env])),
  );
  const problems: string[] = [];
  for (const variable of Object.keys(environment)) {
    if (variable.startsWith('LINEBACKER_') && variable !== APP_SELECTOR && !reads.has(variable)) {
      problems.push(`${where}: ${variable} is not read by ${app} (a typo, or the wrong service?)`);
    }
  }
  const checkable = withSecretFiles(name, service, document, environment, schema);
  problems.push(...checkable.problems);
  try {
    const config = loadConfig(checkable.schema, { ...image.env, ...checkable.environment });
    problems.push(...graceProblems(name, service, config));
    return { problems, running: { service: name, app, environment, config } };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map((problem) => `${where} (${app}): ${problem}`));
    return { problems };
  }
}
