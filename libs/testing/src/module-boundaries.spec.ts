import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from './bundle-process';

const run = promisify(execFile);

/** A source text linted as if it were the given workspace file. */
interface Fixture {
  file: string;
  code: string;
}

// ESLint loads its flat config with a dynamic import, which Jest's module sandbox cannot do,
// so the lint runs in one plain child node process: one ESLint instance (one project graph)
// lints every fixture and prints the messages of the two import rules for each. Only those
// rules run, and without type information: they read import paths, not types.
const LINT_SCRIPT = `
const { ESLint } = require('eslint');
const fixtures = JSON.parse(process.argv[2]);
const rules = ['@nx/enforce-module-boundaries', 'no-restricted-imports'];
const eslint = new ESLint({
  cwd: process.argv[1],
  ruleFilter: ({ ruleId }) => rules.includes(ruleId),
  overrideConfig: { languageOptions: { parserOptions: { project: null } } },
});
(async () => {
  const out = [];
  for (const { file, code } of fixtures) {
    const [result] = await eslint.lintText(code, { filePath: file });
    out.push(result.messages.map((m) => m.message));
  }
  console.log(JSON.stringify(out));
})();
`;

/** Lints every fixture in one ESLint run; the violations of each, in the same order. */
async function violations(fixtures: Fixture[]): Promise<string[][]> {
  const absolute = fixtures.map(({ file, code }) => ({ file: join(WORKSPACE_ROOT, file), code }));
  const { stdout } = await run(
    process.execPath,
    ['-e', LINT_SCRIPT, WORKSPACE_ROOT, JSON.stringify(absolute)],
    { cwd: WORKSPACE_ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as string[][];
}

const probe = (imports: string) => `${imports}\nexport const probe = 1;\n`;

// [file, import, expected violation]: one per rule, each in a file where the rule applies.
const rejected: Array<[string, string, RegExp]> = [
  ['libs/domain/src/index.ts', "import { DataSource } from 'typeorm';", /type:domain.*"typeorm"/],
  ['libs/domain/src/index.ts', "import amqp from 'amqplib';", /type:domain.*"amqplib"/],
  [
    'libs/domain/src/index.ts',
    "import { AmqpMessageBus } from '@linebacker/messaging';",
    /type:domain.*can only depend on|Circular dependency between "domain" and "messaging"/,
  ],
  [
    'libs/persistence/src/index.ts',
    "import { OutboxRelay } from '@linebacker/messaging';",
    /scope:persistence.*can not depend on.*scope:messaging/,
  ],
  ['apps/check-allowed/src/main.ts', "import { Pool } from 'pg';", /type:app.*"pg"/],
  [
    'libs/pipeline/src/index.ts',
    "import { DataSource } from 'typeorm';",
    /type:pipeline.*"typeorm"/,
  ],
  // Production code of a production lib never reaches the test helpers.
  [
    'libs/persistence/src/index.ts',
    "import { testNamespace } from '@linebacker/testing';",
    /type:infra.*can only depend on.*type:domain.*type:runtime/,
  ],
  [
    'libs/pipeline/src/index.ts',
    "import { testNamespace } from '@linebacker/testing';",
    /type:pipeline.*can only depend on/,
  ],
  [
    'apps/notifier/src/main.ts',
    "import { testNamespace } from '@linebacker/testing';",
    /type:app.*can only depend on/,
  ],
  [
    'libs/pipeline/src/index.ts',
    "import { FakeClock } from '@linebacker/domain/testing';",
    /@linebacker\/domain\/testing.*Test helpers: specs only/,
  ],
  // An adapter scope imports its own technology only.
  ['libs/persistence/src/index.ts', "import amqp from 'amqplib';", /scope:persistence.*"amqplib"/],
  ['libs/messaging/src/index.ts', "import { Pool } from 'pg';", /scope:messaging.*"pg"/],
  ['libs/http-api/src/index.ts', "import { DataSource } from 'typeorm';", /scope:http.*"typeorm"/],
  [
    'libs/backup-job-client/src/index.ts',
    "import fastify from 'fastify';",
    /scope:external.*"fastify"/,
  ],
  ['libs/azure-queues/src/index.ts', "import amqp from 'amqplib';", /scope:azure.*"amqplib"/],
  [
    'libs/messaging/src/index.ts',
    "import { QueueClient } from '@azure/storage-queue';",
    /scope:messaging.*"@azure\/storage-queue"/,
  ],
];

// [file, import]: edges the rules must leave alone, so that each rejection above is the
// rule's and not a blanket refusal.
const accepted: Array<[string, string]> = [
  ['apps/notifier/src/main.ts', "import { SERVICES } from '@linebacker/pipeline';"],
  [
    'libs/persistence/src/pg-errors.spec.ts',
    "import { testNamespace } from '@linebacker/testing';",
  ],
  [
    'libs/persistence/src/testing/test-database.ts',
    "import { testNamespace } from '@linebacker/testing';",
  ],
  [
    'libs/pipeline/src/workers/subscriptions.spec.ts',
    "import { FakeClock } from '@linebacker/domain/testing';",
  ],
  ['libs/persistence/src/index.ts', "import { Pool } from 'pg';"],
  ['libs/messaging/src/index.ts', "import amqp from 'amqplib';"],
  ['libs/azure-queues/src/index.ts', "import { QueueClient } from '@azure/storage-queue';"],
  ['libs/azure-queues/src/index.ts', "import { PauseController } from '@linebacker/messaging';"],
];

describe('module boundaries (the layering the lint enforces)', () => {
  let results: string[][];

  beforeAll(async () => {
    results = await violations([
      ...rejected.map(([file, code]) => ({ file, code: probe(code) })),
      ...accepted.map(([file, code]) => ({ file, code: probe(code) })),
    ]);
  }, 120_000);

  it.each(rejected.map((c, i) => [...c, i] as const))(
    'rejects in %s: %s',
    (_file, _code, expected, i) => {
      expect(results[i].join('\n')).toMatch(expected);
    },
  );

  it.each(accepted.map((c, i) => [...c, rejected.length + i] as const))(
    'accepts in %s: %s',
    (_file, _code, i) => {
      expect(results[i]).toEqual([]);
    },
  );
});
