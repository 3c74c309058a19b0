import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { APP_NODE_FLAGS } from '@linebacker/domain';
import { WORKSPACE_ROOT } from '@linebacker/testing';
import { parseDockerfile } from './dockerfile';

describe('parseDockerfile', () => {
  it('reads the runtime stage of docker/Dockerfile: bundles, context files, ENV, health check', () => {
    const facts = parseDockerfile(
      readFileSync(join(WORKSPACE_ROOT, 'docker', 'Dockerfile'), 'utf8'),
    );
    expect(facts.copiedBundles).toContain('check-allowed');
    expect(facts.copiedBundles).toContain('migrate');
    expect(facts.contextSources).toEqual(
      expect.arrayContaining(['docker/entrypoint.sh', 'docker/healthcheck.cjs']),
    );
    expect(facts.env['LINEBACKER_HEALTH_PORT']).toBe('9100');
    // ENV of the build stage does not leak into the image that runs.
    expect(facts.env['NX_DAEMON']).toBeUndefined();
    expect(facts.buildTags).toEqual(['type:app', 'type:sim']);
    expect(facts.hasHealthcheck).toBe(true);
  });

  it('starts every app of the image with the Node flags of every app (docker/entrypoint.sh)', () => {
    const script = readFileSync(join(WORKSPACE_ROOT, 'docker', 'entrypoint.sh'), 'utf8');
    const exec = script.split('\n').filter((line) => line.startsWith('exec node '));
    expect(exec).toEqual([
      `exec node --enable-source-maps ${APP_NODE_FLAGS.join(' ')} "$bundle" "$@"`,
    ]);
  });

  it('knows a stage without HEALTHCHECK, or with HEALTHCHECK NONE, has none', () => {
    expect(parseDockerfile('FROM a\nHEALTHCHECK CMD true\nFROM b\n').hasHealthcheck).toBe(false);
    expect(parseDockerfile('FROM b\nHEALTHCHECK NONE\n').hasHealthcheck).toBe(false);
  });

  it('keeps the simulators and PGlite out of the production image, in the dev one only', () => {
    const text = readFileSync(join(WORKSPACE_ROOT, 'docker', 'Dockerfile'), 'utf8');
    const production = parseDockerfile(text);
    const dev = parseDockerfile(text, 'dev');
    expect(production.copiedBundles).not.toContain('sim-backup-interface');
    expect(production.copiedBundles).not.toContain('embedded');
    expect(dev.copiedBundles).toEqual(
      expect.arrayContaining([...production.copiedBundles, 'sim-backup-interface']),
    );
    expect(dev.env['LINEBACKER_SIM_JOBS_PORT']).toBe('8081');
    expect(dev.hasHealthcheck).toBe(true);
    const manifest = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).not.toContain('@electric-sql/pglite');
  });

  it('reads a stage built FROM an earlier one, and refuses a target that is not there', () => {
    const text =
      'FROM x AS base\nENV A=1\nCOPY --from=b /s/dist/apps/one ./\nFROM base AS more\nENV B=2\n';
    expect(parseDockerfile(text, 'more')).toMatchObject({
      copiedBundles: ['one'],
      env: { A: '1', B: '2' },
    });
    expect(parseDockerfile(text, 'base').env).toEqual({ A: '1' });
    expect(() => parseDockerfile(text, 'missing')).toThrow('no stage named missing');
  });
});
