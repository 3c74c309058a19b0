import type { AnyConfigSchema } from '@linebacker/pipeline';
import { ConfigError, loadConfig } from '@linebacker/runtime';
import { durationMs, serviceEnvironment, type ComposeService } from './compose-model';
import type { DockerfileFacts } from './dockerfile';

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

/**
 * Checks one service that runs the linebacker image: it names an app the image holds, and
 * the image's ENV plus the service's environment is a configuration that app accepts — its
 * own `loadConfig` runs on it, so a missing required variable or a bad value is caught with
 * the app's own message; a LINEBACKER_* variable the app does not read is reported as a typo.
 */
export function appEnvironmentProblems(
  name: string,
  service: ComposeService,
  image: DockerfileFacts,
  schemas: Readonly<Record<string, AnyConfigSchema>>,
): string[] {
  const where = `services.${name}.environment`;
  if (service.env_file !== undefined) {
    return [
      `services.${name}.env_file: set the apps' variables under environment, where they are checked`,
    ];
  }
  const environment = serviceEnvironment(service);
  const app = environment[APP_SELECTOR];
  if (!app) return [`${where}: ${APP_SELECTOR} must name the app this service runs`];
  if (!image.copiedBundles.includes(app)) {
    return [
      `${where}: ${APP_SELECTOR}=${app}, but the image holds only ${image.copiedBundles.join(', ')}`,
    ];
  }
  const schema = schemas[app];
  if (!schema) return [`${where}: no config schema is known for app ${app}`];
  const problems: string[] = [];
  const reads = new Set(Object.values(schema).map((key) => key.env));
  for (const variable of Object.keys(environment)) {
    if (variable.startsWith('LINEBACKER_') && variable !== APP_SELECTOR && !reads.has(variable)) {
      problems.push(`${where}: ${variable} is not read by ${app} (a typo, or the wrong service?)`);
    }
  }
  try {
    const config = loadConfig(schema, { ...image.env, ...environment });
    problems.push(...graceProblems(name, service, config));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map((problem) => `${where} (${app}): ${problem}`));
  }
  return problems;
}
