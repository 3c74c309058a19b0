import type { AnyConfigSchema } from '@linebacker/pipeline';
import { DEPLOYABLE_APP_SCHEMAS } from '../compose/compose-check';

/** Where the PM2 ecosystem reads which variables each app may see. */
export const APP_ENV_FILE = 'tools/deploy/pm2/app-env.json';

/** The variables an app's schema reads, with `<name>_FILE` for each secret key, sorted. */
export function variablesOf(schema: AnyConfigSchema): string[] {
  return Object.values(schema)
    .flatMap((key) => (key.secret ? [key.env, `${key.env}_FILE`] : [key.env]))
    .sort();
}

/**
 * The JSON the PM2 ecosystem filters each app's environment with (generated from the config
 * schemas, so an app never receives another's secrets: the receiver's token list stays with
 * the receiver, the interface's URL with the two apps that talk to it).
 */
export function appEnvJson(
  schemas: Readonly<Record<string, AnyConfigSchema>> = DEPLOYABLE_APP_SCHEMAS,
): string {
  const byApp = Object.fromEntries(
    Object.entries(schemas).map(([app, schema]) => [app, variablesOf(schema)]),
  );
  return `${JSON.stringify(byApp, null, 2)}\n`;
}
