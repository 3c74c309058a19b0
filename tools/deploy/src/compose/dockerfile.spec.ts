import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
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

  it('knows a stage without HEALTHCHECK, or with HEALTHCHECK NONE, has none', () => {
    expect(parseDockerfile('FROM a\nHEALTHCHECK CMD true\nFROM b\n').hasHealthcheck).toBe(false);
    expect(parseDockerfile('FROM b\nHEALTHCHECK NONE\n').hasHealthcheck).toBe(false);
  });
});
