import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkComposeText, inspectCompose } from './compose/compose-check';
import { runDclint } from './compose/dclint';
import { replaceGenerated } from './docs/env-table';
import { generatedOperationsTables } from './docs/operations-doc';
import { PM2_APPS_FILE, pm2AppsJson } from './pm2/pm2-apps';
import { composeBrokerAccess, definitionsText, DEFINITIONS_FILE } from './compose/rabbitmq-access';

const say = (stream: NodeJS.WriteStream, line: string) => void stream.write(`${line}\n`);

/**
 * Validates a Compose file without a Docker engine (dclint, then every schema error,
 * cross-reference and app configuration problem); 1 if anything is wrong.
 */
function checkCompose(workspaceRoot: string, file: string | undefined): number {
  const composeFile = resolve(file ?? join('docker', 'compose.yaml'));
  const composeDir = dirname(composeFile);
  const lint = runDclint(composeFile, join(composeDir, '.dclintrc.yaml'));
  const problems = checkComposeText(readFileSync(composeFile, 'utf8'), {
    composeDir,
    workspaceRoot,
  });
  if (!lint.ok) say(process.stderr, `dclint:\n${lint.output}`);
  for (const problem of problems) say(process.stderr, problem);
  const ok = lint.ok && problems.length === 0;
  say(process.stdout, ok ? `${composeFile}: ok` : `${composeFile}: ${problems.length} problem(s)`);
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
 * Writes the RabbitMQ definitions the Compose broker is provisioned from, generated from the
 * configuration the Compose file gives its apps; 1 if that configuration cannot have them.
 */
function writeRabbitmqDefinitions(workspaceRoot: string, file: string | undefined): number {
  const composeFile = resolve(file ?? join('docker', 'compose.yaml'));
  const composeDir = dirname(composeFile);
  const { apps } = inspectCompose(readFileSync(composeFile, 'utf8'), { composeDir, workspaceRoot });
  const { problems, settings } = composeBrokerAccess(apps);
  for (const problem of problems) say(process.stderr, problem);
  if (!settings) return 1;
  const out = join(composeDir, DEFINITIONS_FILE);
  writeFileSync(out, definitionsText(settings));
  say(process.stdout, `${out}: written`);
  return 0;
}

/**
 * Run from the workspace root:
 *   node dist/tools/deploy/main.js [check-compose] [compose file]   (default docker/compose.yaml)
 *   node dist/tools/deploy/main.js env-table                         (rewrites docs/operations.md)
 *   node dist/tools/deploy/main.js pm2-apps                          (rewrites tools/deploy/pm2/apps.json)
 *   node dist/tools/deploy/main.js rabbitmq-definitions [compose file] (docker/rabbitmq/definitions.json)
 */
function main(argv: string[]): number {
  const root = process.cwd();
  if (argv[0] === 'env-table') return writeEnvTable(root);
  if (argv[0] === 'pm2-apps') return writePm2Apps(root);
  if (argv[0] === 'rabbitmq-definitions') return writeRabbitmqDefinitions(root, argv[1]);
  return checkCompose(root, argv[0] === 'check-compose' ? argv[1] : argv[0]);
}

process.exitCode = main(process.argv.slice(2));
