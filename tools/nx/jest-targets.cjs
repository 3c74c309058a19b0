// Nx plugin: infers the two Jest targets of a project from its spec files' names.
// `*.int.spec.ts` needs PostgreSQL, RabbitMQ or a built bundle and `*.e2e.spec.ts` drives a
// whole stack: those run in `test-int`. Every other `*.spec.ts` is a unit test and runs in
// `test`, which needs nothing running. A project gets a target only when it has such files.
'use strict';
const { existsSync, readdirSync } = require('node:fs');
const { dirname, join } = require('node:path');

const SPEC = /\.spec\.ts$/;
const INTEGRATION_SUITE = /\.(int|e2e)\.spec\.ts$/;

/** Jest arguments that swap jest.preset.js's unit selection for the integration suites. */
const INTEGRATION_ARGS = [
  '--testMatch',
  '**/*.int.spec.ts',
  '--testMatch',
  '**/*.e2e.spec.ts',
  '--testPathIgnorePatterns',
  '/node_modules/',
];
const INTEGRATION_FLAGS = INTEGRATION_ARGS.map((arg) =>
  arg.includes('*') ? `'${arg}'` : arg,
).join(' ');

function jestTarget(root, flags, description) {
  return {
    executor: 'nx:run-commands',
    options: { command: `jest${flags}`, cwd: root },
    metadata: { technologies: ['jest'], description },
  };
}

/** The targets one jest.config.cjs gives its project. */
function inferTargets(configFile, workspaceRoot) {
  const root = dirname(configFile);
  const src = join(workspaceRoot, root, 'src');
  const specs = (existsSync(src) ? readdirSync(src, { recursive: true }) : [])
    .map(String)
    .filter((file) => SPEC.test(file));
  const targets = {};
  if (specs.some((file) => !INTEGRATION_SUITE.test(file))) {
    targets['test'] = {
      ...jestTarget(root, '', 'Unit tests: no service, no bundle'),
      outputs: [`{workspaceRoot}/coverage/${root}`, '{projectRoot}/.jest-results.json'],
    };
  }
  if (specs.some((file) => INTEGRATION_SUITE.test(file))) {
    targets['test-int'] = jestTarget(
      root,
      ` ${INTEGRATION_FLAGS}`,
      'Integration suites: need PostgreSQL and RabbitMQ (LINEBACKER_DATABASE_URL, LINEBACKER_AMQP_URL)',
    );
  }
  return { projects: { [root]: { targets } } };
}

module.exports.INTEGRATION_ARGS = INTEGRATION_ARGS;
module.exports.createNodesV2 = [
  '{apps,libs,tools}/*/jest.config.cjs',
  async (configFiles, _options, context) =>
    configFiles.map((file) => [file, inferTargets(file, context.workspaceRoot)]),
];
