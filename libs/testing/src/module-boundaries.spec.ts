import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from './bundle-process';

const run = promisify(execFile);

// ESLint loads its flat config with a dynamic import, which Jest's module sandbox cannot do,
// so the lint runs in a plain child node process.
const LINT_SCRIPT = `
const { ESLint } = require('eslint');
new ESLint({ cwd: process.argv[1] })
  .lintText(process.argv[3], { filePath: process.argv[2] })
  .then(([result]) => console.log(JSON.stringify(result.messages
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message))));
`;

/** Lints `code` as if it were the given workspace file, and returns the boundary violations. */
async function boundaryViolations(file: string, code: string): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    ['-e', LINT_SCRIPT, WORKSPACE_ROOT, join(WORKSPACE_ROOT, file), code],
    { cwd: WORKSPACE_ROOT, timeout: 60_000 },
  );
  return JSON.parse(stdout) as string[];
}

describe('module boundaries (the layering the lint enforces)', () => {
  it.each([
    [
      'libs/domain/src/index.ts',
      "import { DataSource } from 'typeorm';",
      /type:domain.*not allowed to import "typeorm"/,
    ],
    [
      'libs/domain/src/index.ts',
      "import amqp from 'amqplib';",
      /type:domain.*not allowed to import "amqplib"/,
    ],
    [
      'libs/domain/src/index.ts',
      "import { AmqpMessageBus } from '@linebacker/messaging';",
      /type:domain.*can only depend on|Circular dependency between "domain" and "messaging"/,
    ],
    [
      'libs/persistence/src/index.ts',
      "import { OutboxRelay } from '@linebacker/messaging';",
      /type:infra.*can only depend on/,
    ],
    [
      'apps/check-allowed/src/main.ts',
      "import { Pool } from 'pg';",
      /type:app.*not allowed to import "pg"/,
    ],
    [
      'libs/pipeline/src/index.ts',
      "import { DataSource } from 'typeorm';",
      /type:pipeline.*not allowed to import "typeorm"/,
    ],
  ])(
    'rejects in %s: %s',
    async (file, code, expected) => {
      const violations = await boundaryViolations(file, `${code}\nexport const probe = 1;\n`);
      expect(violations.join('\n')).toMatch(expected);
    },
    60_000,
  );

  it('accepts the allowed edge from an app to the pipeline', async () => {
    const code =
      "import { SERVICES } from '@linebacker/pipeline';\nexport const probe = SERVICES;\n";
    expect(await boundaryViolations('apps/notifier/src/main.ts', code)).toEqual([]);
  }, 60_000);
});
