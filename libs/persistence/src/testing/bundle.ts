import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';

/** The library as production bundles it, and a way to run scripts against it. */
export interface PersistenceBundle {
  /** Runs a CommonJS script that can `require('./persistence.js')`; resolves with stdout. */
  run(script: string, env?: Record<string, string>): Promise<string>;
  remove(): void;
}

/**
 * Bundles `src/index.ts` with esbuild the way the apps are built (workspace code inlined,
 * packages external, no TypeScript decorator metadata) into a scratch directory.
 */
export function bundlePersistence(): PersistenceBundle {
  const dir = mkdtempSync(join(tmpdir(), 'lb-persistence-'));
  buildSync({
    entryPoints: [join(__dirname, '..', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    outfile: join(dir, 'persistence.js'),
    logLevel: 'silent',
  });
  // The scratch dir has no node_modules; point Node at the workspace's. A file, not
  // `node -e`, because typeorm 0.3 derives an app root from the main module's path.
  const nodePath = dirname(dirname(require.resolve('typeorm')));
  let scripts = 0;
  return {
    run: async (script, env = {}) => {
      const file = join(dir, `script-${++scripts}.js`);
      writeFileSync(file, script);
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        env: { ...process.env, NODE_PATH: nodePath, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });
      return stdout;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
