import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { WORKSPACE_ROOT } from '@linebacker/testing';
import { currentGenerated, environmentTable } from './env-table';
import { generatedOperationsTables } from './operations-doc';

const DOC = join(WORKSPACE_ROOT, 'docs', 'operations.md');

/** Every file under `dir` (recursively) whose name passes `keep`. */
function files(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return files(path, keep);
    return keep(path) ? [path] : [];
  });
}

describe('docs/operations.md', () => {
  it('holds the environment tables generated from the current config schemas', () => {
    const doc = readFileSync(DOC, 'utf8');
    // On failure regenerate it: npx nx run deploy:env-table
    expect(currentGenerated(doc)).toBe(generatedOperationsTables(WORKSPACE_ROOT));
  });

  it('names every LINEBACKER_ variable the deployable code, the image and PM2 layout read', () => {
    const doc = readFileSync(DOC, 'utf8');
    const sources = [
      ...['apps', 'libs'].flatMap((top) =>
        files(join(WORKSPACE_ROOT, top), (path) => /\/src\/.*\.ts$/.test(path)),
      ),
      ...files(join(WORKSPACE_ROOT, 'docker'), () => true),
      ...files(join(WORKSPACE_ROOT, 'tools', 'deploy', 'pm2'), () => true),
    ].filter(
      (path) =>
        !/\.spec\.ts$/.test(path) &&
        // Test helpers, end-to-end suites and the operator CLI (docs/operator-cli.md) are not deployed config.
        !/^(libs\/testing|apps\/e2e|apps\/cli)\//.test(relative(WORKSPACE_ROOT, path)) &&
        !/\/testing\//.test(path),
    );
    const names = new Set(
      sources.flatMap(
        (path) => readFileSync(path, 'utf8').match(/LINEBACKER_[A-Z0-9_]*[A-Z0-9]/g) ?? [],
      ),
    );
    const missing = [...names].filter(
      (name) => !name.endsWith('_PM2') && !doc.includes(`\`${name}\``),
    );
    expect(missing).toEqual([]);
  });
});

describe('environmentTable', () => {
  it('lists required keys, differing defaults per app, and escapes pipes', () => {
    const key = (env: string, extra: object) => ({ env, doc: 'a | b', parse: String, ...extra });
    const table = environmentTable(
      {
        one: { url: key('LINEBACKER_X_URL', {}), port: key('LINEBACKER_X_PORT', { default: 1 }) },
        two: { port: key('LINEBACKER_X_PORT', { default: 2 }) },
      },
      ['one', 'two'],
    );
    expect(table.split('\n').slice(2)).toEqual([
      '| `LINEBACKER_X_URL` | one | **required** | a \\| b |',
      '| `LINEBACKER_X_PORT` | all pipeline apps | `1` (one); `2` (two) | a \\| b |',
    ]);
  });
});
