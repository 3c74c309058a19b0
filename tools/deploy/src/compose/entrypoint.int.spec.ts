import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { WORKSPACE_ROOT } from '@linebacker/testing';

const run = promisify(execFile);

/**
 * The image's entrypoint works from its own location (`<root>/docker/entrypoint.sh` next to
 * `<root>/dist/apps`), so the repository, with its bundles built, is a faithful stand-in.
 */
async function entrypoint(env: Record<string, string>) {
  return run('sh', [join(WORKSPACE_ROOT, 'docker', 'entrypoint.sh')], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    timeout: 30_000,
  }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (error: { code?: number; stderr?: string }) => ({
      code: error.code,
      stderr: error.stderr ?? '',
    }),
  );
}

describe('docker/entrypoint.sh', () => {
  it('exits 2 listing the apps when LINEBACKER_APP names none of them', async () => {
    for (const app of ['', 'no-such-app', '../../etc']) {
      const result = await entrypoint({ LINEBACKER_APP: app });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/is not an app of this image; one of: .*check-allowed/);
    }
  }, 30_000);

  it('runs the named app in its place (the app’s own config check answers)', async () => {
    const result = await entrypoint({ LINEBACKER_APP: 'migrate' });
    expect(result.code).toBe(1);
    const line = JSON.parse(result.stderr.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ service: 'migrate', outcome: 'bad-config' });
  }, 30_000);
});
