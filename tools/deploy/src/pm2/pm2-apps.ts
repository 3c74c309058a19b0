import { APP_NODE_FLAGS, SERVICES, WORKER_SERVICES } from '@linebacker/domain';
import type { AnyConfigSchema } from '@linebacker/pipeline';
import { SIMULATOR_CONFIG_SCHEMAS } from '@linebacker/simulators';
import { DEPLOYABLE_APP_SCHEMAS } from '../compose/compose-check';

/** Where the PM2 ecosystem reads which apps to run and which variables each may see. */
export const PM2_APPS_FILE = 'tools/deploy/pm2/apps.json';

/** The variables an app's schema reads, with `<name>_FILE` for each secret key, sorted. */
export function variablesOf(schema: AnyConfigSchema): string[] {
  return Object.values(schema)
    .flatMap((key) => (key.secret ? [key.env, `${key.env}_FILE`] : [key.env]))
    .sort();
}

/**
 * What the PM2 ecosystem (a CommonJS file that cannot import the workspace's TypeScript) runs,
 * generated from the one list of services and the config schemas: the receiver, the workers
 * in pipeline order, the simulators, and each app's variables, so an app never receives
 * another's secrets (the receiver's token list stays with the receiver, the interface's URL
 * with the two apps that talk to it), and the Node flags every app runs with.
 */
export function pm2AppsJson(
  schemas: Readonly<Record<string, AnyConfigSchema>> = DEPLOYABLE_APP_SCHEMAS,
): string {
  const variables = Object.fromEntries(
    Object.entries(schemas).map(([app, schema]) => [app, variablesOf(schema)]),
  );
  const apps = {
    receiver: SERVICES.httpReceiver,
    workers: WORKER_SERVICES,
    simulators: Object.keys(SIMULATOR_CONFIG_SCHEMAS),
    variables,
    nodeFlags: APP_NODE_FLAGS,
  };
  return `${JSON.stringify(apps, null, 2)}\n`;
}
