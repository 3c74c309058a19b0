import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { APP_CONFIG_SCHEMAS, type AnyConfigSchema } from '@linebacker/pipeline';
import { SIMULATOR_CONFIG_SCHEMAS } from '@linebacker/simulators';
import { parse } from 'yaml';
import { inspectAppService, type RunningApp } from './app-environment';
import type { ComposeDocument, ComposeService } from './compose-model';
import { buildPaths, referenceProblems } from './compose-references';
import { databaseLoginProblems, databasePasswordProblems } from './database-logins';
import { schemaProblems } from './compose-schema';
import { parseDockerfile, type DockerfileFacts } from './dockerfile';
import { interpolateDeep } from './interpolate';
import { mergeComposeDocuments } from './compose-merge';
import { clusterProblems } from './rabbitmq-cluster';
import { prometheusScrapeProblems } from './prometheus-scrape';
import { definitionsFileOf, rabbitmqAccessProblems } from './rabbitmq-access';
import { workspaceProjects } from './workspace-projects';

/** Every app the image may run, with the schema its `main.ts` validates against. */
export const DEPLOYABLE_APP_SCHEMAS: Readonly<Record<string, AnyConfigSchema>> = {
  ...APP_CONFIG_SCHEMAS,
  ...SIMULATOR_CONFIG_SCHEMAS,
};

/**
 * Bundles the image carries for operators to run by hand, never as a Compose service: the
 * operator CLI reads the services' own variables (it is checked by its own tests).
 */
export const OPERATOR_TOOLS: readonly string[] = ['cli'];

/** Where to look. */
export interface ComposeCheckOptions {
  /** The folder of the Compose file (relative paths in it resolve from here). */
  composeDir: string;
  workspaceRoot: string;
  /**
   * Variables to interpolate with; by default none, so every `${X:-default}` is its default
   * and every variable the file requires (`${X:?}`, the passwords) a placeholder.
   */
  env?: Readonly<Record<string, string>>;
  /** Also require every bundle the Dockerfile copies to be built (`dist/apps/<app>/main.js`). */
  requireBuiltBundles?: boolean;
  schemas?: Readonly<Record<string, AnyConfigSchema>>;
}

/**
 * Checks a Dockerfile against the workspace: each bundle it copies is the build output of an
 * Nx project that its `nx run-many` line selects, has a known config schema, and (optionally)
 * is built; every file it copies from the build context exists.
 */
export function dockerfileProblems(
  dockerfile: string,
  context: string,
  image: DockerfileFacts,
  options: ComposeCheckOptions,
): string[] {
  const problems: string[] = [];
  const projects = workspaceProjects(options.workspaceRoot);
  const schemas = options.schemas ?? DEPLOYABLE_APP_SCHEMAS;
  for (const app of image.copiedBundles) {
    const project = projects.find((p) => p.buildOutputPath === `dist/apps/${app}`);
    if (!project) {
      problems.push(`${dockerfile}: copies dist/apps/${app}, which no Nx project builds`);
    } else if (image.buildTags.length && !project.tags.some((t) => image.buildTags.includes(t))) {
      problems.push(
        `${dockerfile}: copies dist/apps/${app}, but its nx run-many selects tags ` +
          `${image.buildTags.join(', ')} and ${project.name} has ${project.tags.join(', ')}`,
      );
    }
    if (!schemas[app] && !OPERATOR_TOOLS.includes(app))
      problems.push(`${dockerfile}: no config schema is known for app ${app}`);
    const bundle = resolve(options.workspaceRoot, 'dist', 'apps', app, 'main.js');
    if (options.requireBuiltBundles && !existsSync(bundle)) {
      problems.push(`${dockerfile}: ${bundle} is not built`);
    }
  }
  for (const source of image.contextSources) {
    if (!existsSync(resolve(context, source))) {
      problems.push(`${dockerfile}: copies ${source}, which is not in the build context`);
    }
  }
  return problems;
}

/**
 * A value for each variable the file requires (`${NAME:?}`): the check is of the file, which
 * an operator runs with them set; leaving them out is Compose's own error at `up`.
 */
function requiredPlaceholders(text: string): Record<string, string> {
  const names = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)].map((m) => m[1] ?? '');
  return Object.fromEntries(names.map((name) => [name, `placeholder-${name.toLowerCase()}`]));
}

/**
 * Every problem in a Compose file's text but the RabbitMQ users: schema, cross-references,
 * app environments, database logins and passwords; and the apps its services run, with the
 * configuration they would get.
 */
export function inspectCompose(
  text: string | readonly string[],
  options: ComposeCheckOptions,
): { problems: string[]; apps: RunningApp[]; document: ComposeDocument } {
  const texts = typeof text === 'string' ? [text] : text;
  let raw: unknown;
  try {
    // Several files are merged as `docker compose -f a -f b` does (docker/compose.cluster.yaml).
    raw = mergeComposeDocuments(texts.map((t) => parse(t, { merge: true }) as unknown));
  } catch (error) {
    return { problems: [`yaml: ${(error as Error).message}`], apps: [], document: {} };
  }
  const problems: string[] = [];
  const env = { ...requiredPlaceholders(texts.join('\n')), ...options.env };
  const document = interpolateDeep(raw, env, problems) as ComposeDocument;
  problems.push(...schemaProblems(document));
  problems.push(...databasePasswordProblems(raw as ComposeDocument));
  problems.push(...databaseLoginProblems(document));
  const images = new Map<string, DockerfileFacts>();
  const imageOf = (service: ComposeService): DockerfileFacts | undefined => {
    const build = buildPaths(service, options.composeDir);
    if (!build || !existsSync(build.dockerfile)) return undefined;
    const key = `${build.dockerfile}#${build.target ?? ''}`;
    if (!images.has(key)) {
      let facts: DockerfileFacts;
      try {
        facts = parseDockerfile(readFileSync(build.dockerfile, 'utf8'), build.target);
      } catch (error) {
        problems.push(`${build.dockerfile}: ${(error as Error).message}`);
        return undefined;
      }
      images.set(key, facts);
      problems.push(...dockerfileProblems(build.dockerfile, build.context, facts, options));
    }
    return images.get(key);
  };
  const hasHealthcheck = (service: ComposeService): boolean =>
    service.healthcheck?.disable !== true &&
    (service.healthcheck?.test !== undefined || imageOf(service)?.hasHealthcheck === true);
  problems.push(...referenceProblems(document, options.composeDir, hasHealthcheck));
  const apps: RunningApp[] = [];
  for (const [name, service] of Object.entries(document.services ?? {})) {
    const image = imageOf(service);
    if (!image || image.copiedBundles.length === 0) continue;
    const schemas = options.schemas ?? DEPLOYABLE_APP_SCHEMAS;
    const inspected = inspectAppService(name, service, image, schemas, document);
    problems.push(...inspected.problems);
    if (inspected.running) apps.push(inspected.running);
  }
  return { problems, apps, document };
}

/**
 * Every problem in a Compose file's text (or several files' merged, in order): schema, cross-references, app environments,
 * database logins and passwords, each app's RabbitMQ user against the definitions the
 * broker is provisioned from, and Prometheus scraping every app's health port.
 */
export function checkComposeText(
  text: string | readonly string[],
  options: ComposeCheckOptions,
): string[] {
  const { problems, apps, document } = inspectCompose(text, options);
  return [
    ...problems,
    ...rabbitmqAccessProblems(apps, options.composeDir, definitionsFileOf(document)),
    ...clusterProblems(document, apps, options.composeDir),
    ...prometheusScrapeProblems(document, apps, options.composeDir),
  ];
}
