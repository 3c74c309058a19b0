import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WORKSPACE_ROOT } from '@linebacker/testing';

/**
 * Copies the built bundles of `apps` into a private folder inside the workspace (so their
 * third-party requires still find node_modules). Other work in the same tree may rebuild
 * dist/ at any moment, which empties a bundle folder for a while; a stack that PM2 restarts
 * must not see that, so it runs from the copy. Retries while a bundle is mid-rebuild.
 */
export async function copyBundles(apps: string[], folder: string): Promise<string> {
  const target = join(WORKSPACE_ROOT, 'tmp', folder);
  mkdirSync(target, { recursive: true });
  for (const app of apps) {
    const source = join(WORKSPACE_ROOT, 'dist', 'apps', app);
    for (let attempt = 1; ; attempt++) {
      if (existsSync(join(source, 'main.js'))) {
        cpSync(source, join(target, app), { recursive: true });
        if (existsSync(join(target, app, 'main.js'))) break;
      }
      if (attempt === 60) throw new Error(`${source}/main.js is missing: build it first`);
      await sleep(1000);
    }
  }
  return target;
}
