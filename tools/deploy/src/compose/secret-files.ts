import type { AnyConfigSchema } from '@linebacker/pipeline';
import { secretPaths, type ComposeDocument, type ComposeService } from './compose-model';

/** An app's environment and schema as the checker can validate them on this machine. */
export interface CheckableConfig {
  environment: Record<string, string>;
  schema: AnyConfigSchema;
  problems: string[];
}

/**
 * A secret key's `<KEY>_FILE` variable names a file that exists only inside the container,
 * so the checker cannot read it. It must name a secret the service mounts and the file
 * declares; then the key counts as set and its value is left to the app's start-up check.
 */
export function withSecretFiles(
  name: string,
  service: ComposeService,
  document: ComposeDocument,
  environment: Readonly<Record<string, string>>,
  schema: AnyConfigSchema,
): CheckableConfig {
  const where = `services.${name}.environment`;
  const mounted = secretPaths(service);
  const checkable: Record<string, string> = { ...environment };
  const adjusted: Record<string, AnyConfigSchema[string]> = { ...schema };
  const problems: string[] = [];
  for (const [field, key] of Object.entries(schema)) {
    const variable = `${key.env}_FILE`;
    const path = environment[variable];
    if (!key.secret || path === undefined) continue;
    delete checkable[variable];
    const secret = mounted.get(path);
    if (environment[key.env] !== undefined) {
      problems.push(`${where}: set ${key.env} or ${variable}, not both`);
    } else if (secret === undefined) {
      problems.push(`${where}: ${variable}=${path} is not a secret this service mounts`);
    } else if (!document.secrets?.[secret]) {
      problems.push(`services.${name}.secrets: "${secret}" is not declared under secrets`);
    }
    adjusted[field] = { ...key, default: `(secret ${path})`, parse: (raw: string) => raw };
  }
  return { environment: checkable, schema: adjusted, problems };
}
