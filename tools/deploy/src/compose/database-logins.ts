import { APP_SELECTOR } from './app-environment';
import { serviceEnvironment, type ComposeDocument, type ComposeService } from './compose-model';

/** The variable tools/security/postgres-roles.sh reads its `kind:login` list from. */
export const ROLES_VARIABLE = 'LINEBACKER_PG_ROLES';

/** The app that runs the migrations: the only one that logs in as the schema owner. */
const MIGRATING_APP = 'migrate';

/** A value that is exactly one required variable, `${NAME:?…}` or `${NAME?…}`. */
const REQUIRED_VARIABLE = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}$/;

/** The PostgreSQL server of the file: the service running the `postgres` image. */
function databaseService(
  services: Record<string, ComposeService>,
): [string, ComposeService] | undefined {
  return Object.entries(services).find(([, service]) => /^postgres(:|$)/.test(service.image ?? ''));
}

/** `kind:login` pairs as the roles script reads them, by login. */
function declaredLogins(list: string | undefined): Map<string, string> {
  const pairs = (list ?? '').split(/\s+/).filter(Boolean);
  return new Map(
    pairs.map((pair) => [pair.slice(pair.indexOf(':') + 1), pair.split(':')[0] ?? '']),
  );
}

/** The password part of a URL as written, `${…}` references kept whole (they may hold `:`). */
function writtenPassword(url: string): string | undefined {
  const references: string[] = [];
  const masked = url.replace(
    /\$\{[^}]*\}/g,
    (reference) => `\0${references.push(reference) - 1}\0`,
  );
  const password = /^[a-z]+:\/\/[^:@/]*:([^@]*)@/.exec(masked)?.[1];
  return password?.replace(/\0(\d+)\0/g, (_, index: string) => references[Number(index)] ?? '');
}

const userOf = (url: string): string => {
  try {
    return decodeURIComponent(new URL(url).username);
  } catch {
    return '';
  }
};

/**
 * Passwords of database logins have no default: the server's own (`…PASSWORD` variables of
 * the postgres service) and the one in each `LINEBACKER_DATABASE_URL` must be a required
 * variable, so a deployment that forgets one fails instead of running on a known password.
 * Checked on the file before interpolation.
 */
export function databasePasswordProblems(raw: ComposeDocument): string[] {
  const services = raw.services ?? {};
  const problems: string[] = [];
  const server = databaseService(services);
  if (server) {
    for (const [name, value] of Object.entries(serviceEnvironment(server[1]))) {
      if (/PASSWORD$/.test(name) && !REQUIRED_VARIABLE.test(value)) {
        problems.push(
          `services.${server[0]}.environment.${name}: a database password is a required ` +
            `variable (\${${name}:?}), never a default or a literal`,
        );
      }
    }
  }
  for (const [name, service] of Object.entries(services)) {
    const url = serviceEnvironment(service)['LINEBACKER_DATABASE_URL'];
    const password = url === undefined ? undefined : writtenPassword(url);
    if (password !== undefined && !REQUIRED_VARIABLE.test(password)) {
      problems.push(
        `services.${name}.environment.LINEBACKER_DATABASE_URL: the password is a required ` +
          'variable (${NAME:?}), never a default or a literal',
      );
    }
  }
  return problems;
}

/**
 * Every app logs in as a login of its own that the roles script creates with the right kind:
 * `migrate` as the owner, every other app as an `app` (a member of linebacker_app), none as
 * the server's superuser, no two services with the same login (pg_stat_activity could not
 * tell them apart). Checked on the interpolated file; skipped without a postgres service.
 */
export function databaseLoginProblems(document: ComposeDocument): string[] {
  const services = document.services ?? {};
  const server = databaseService(services);
  if (!server) return [];
  const [serverName, serverService] = server;
  const serverEnv = serviceEnvironment(serverService);
  const superuser = serverEnv['POSTGRES_USER'] || 'postgres';
  const logins = declaredLogins(serverEnv[ROLES_VARIABLE]);
  const problems: string[] = [];
  const usedBy = new Map<string, string>();
  for (const [name, service] of Object.entries(services)) {
    const environment = serviceEnvironment(service);
    const url = environment['LINEBACKER_DATABASE_URL'];
    if (url === undefined) continue;
    const where = `services.${name}.environment.LINEBACKER_DATABASE_URL`;
    const user = userOf(url);
    const wanted = environment[APP_SELECTOR] === MIGRATING_APP ? 'owner' : 'app';
    if (user === superuser) {
      problems.push(`${where}: logs in as the superuser ${user}; give it an ${wanted} login`);
    } else if (logins.get(user) !== wanted) {
      problems.push(
        `${where}: logs in as ${user || '(nobody)'}, which services.${serverName}.environment.` +
          `${ROLES_VARIABLE} does not create as ${wanted}:${user || '<login>'}`,
      );
    }
    const other = usedBy.get(user);
    if (other) problems.push(`${where}: logs in as ${user}, like services.${other}`);
    usedBy.set(user, name);
  }
  return problems;
}
