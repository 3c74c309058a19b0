import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkComposeText, inspectCompose } from './compose/compose-check';
import { runDclint } from './compose/dclint';
import { replaceGenerated } from './docs/env-table';
import { generatedOperationsTables } from './docs/operations-doc';
import { PM2_APPS_FILE, pm2AppsJson } from './pm2/pm2-apps';
import { composeBrokerAccess, definitionsFileOf, definitionsText } from './compose/rabbitmq-access';

const say = (stream: NodeJS.WriteStream, line: string) => void stream.write(`${line}\n`);

/** The Compose files named on the command line, or docker/compose.yaml. */
const composeFiles = (files: readonly string[]): string[] =>
  (files.length > 0 ? files : [join('docker', 'compose.yaml')]).map((file) => resolve(file));

/**
 * Validates Compose files without a Docker engine (dclint on each, then every schema error,
 * cross-reference and app configuration problem of the files merged in order, as
 * `docker compose -f a -f b` merges them); 1 if anything is wrong.
 */
function checkCompose(workspaceRoot: string, files: readonly string[]): number {
  const paths = composeFiles(files);
  const composeDir = dirname(paths[0] ?? '');
  const lints = paths.map((file) => ({
    file,
    ...runDclint(file, join(composeDir, '.dclintrc.yaml')),
  }));
  const problems = checkComposeText(
    paths.map((file) => readFileSync(file, 'utf8')),
    { composeDir, workspaceRoot },
  );
  for (const lint of lints)
    if (!lint.ok) say(process.stderr, `dclint ${lint.file}:\n${lint.output}`);
  for (const problem of problems) say(process.stderr, problem);
  const ok = lints.every((lint) => lint.ok) && problems.length === 0;
  const name = paths.join(' + ');
  say(process.stdout, ok ? `${name}: ok` : `${name}: ${problems.length} problem(s)`);
  return ok ? 0 : 1;
}

/** Regenerates the environment tables of docs/operations.md from the config schemas. */
function writeEnvTable(workspaceRoot: string): number {
  const doc = join(workspaceRoot, 'docs', 'operations.md');
  const updated = replaceGenerated(
    readFileSync(doc, 'utf8'),
    generatedOperationsTables(workspaceRoot),
  );
  writeFileSync(doc, updated);
  say(process.stdout, `${doc}: environment tables regenerated`);
  return 0;
}

/** Regenerates the PM2 ecosystem's apps and per-app variables from the code. */
function writePm2Apps(workspaceRoot: string): number {
  const file = join(workspaceRoot, PM2_APPS_FILE);
  writeFileSync(file, pm2AppsJson());
  say(process.stdout, `${file}: regenerated`);
  return 0;
}

/**
 * Writes the RabbitMQ definitions the Compose broker is provisioned from (the file its
 * broker mounts), generated from the configuration the Compose files give their apps; 1 if
 * that configuration cannot have them.
 */
function writeRabbitmqDefinitions(workspaceRoot: string, files: readonly string[]): number {
  const paths = composeFiles(files);
  const composeDir = dirname(paths[0] ?? '');
  const { apps, document } = inspectCompose(
    paths.map((file) => readFileSync(file, 'utf8')),
    { composeDir, workspaceRoot },
  );
  const { problems, settings } = composeBrokerAccess(apps);
  for (const problem of problems) say(process.stderr, problem);
  if (!settings) return 1;
  const out = join(composeDir, definitionsFileOf(document));
  writeFileSync(out, definitionsText(settings));
  say(process.stdout, `${out}: written`);
  return 0;
}

/**
 * Run from the workspace root:
 *   node dist/tools/deploy/main.js [check-compose] [compose files…]    (default docker/compose.yaml;
 *                                                                      several are merged in order)
 *   node dist/tools/deploy/main.js env-table                           (rewrites docs/operations.md)
 *   node dist/tools/deploy/main.js pm2-apps                            (rewrites tools/deploy/pm2/apps.json)
 *   node dist/tools/deploy/main.js rabbitmq-definitions [compose files…] (the definitions file the
 *                                                                      broker mounts, e.g.
 *                                                                      docker/rabbitmq/definitions.json)
 */
function main(argv: string[]): number {
  const root = process.cwd();
  if (argv[0] === 'env-table') return writeEnvTable(root);
  if (argv[0] === 'pm2-apps') return writePm2Apps(root);
  if (argv[0] === 'rabbitmq-definitions') return writeRabbitmqDefinitions(root, argv.slice(1));
  return checkCompose(root, argv[0] === 'check-compose' ? argv.slice(1) : argv);
}

process.exitCode = main(process.argv.slice(2));
