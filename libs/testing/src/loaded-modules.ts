import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';

const PRELOAD = join(__dirname, 'record-loaded-modules.cjs');

/** The modules a built app loaded, as a preload recorded them when it exited. */
export interface LoadedModules {
  /** Add to the process's environment: the preload and the file it writes. */
  env: Record<string, string>;
  /** Every module path the process had loaded; throws if it exited without writing them. */
  read(): string[];
}

/**
 * Records what a process loads, read after it exited: a runtime check, where the bundle's
 * text would also show the `require` calls that never run (ADR 0112).
 */
export function recordLoadedModules(): LoadedModules {
  const dir = mkdtempSync(join(tmpdir(), 'lb-modules-'));
  const file = join(dir, 'modules.txt');
  const inherited = process.env['NODE_OPTIONS'] ?? '';
  return {
    env: {
      NODE_OPTIONS: `${inherited} --require "${PRELOAD}"`.trim(),
      RECORD_LOADED_MODULES_FILE: file,
    },
    read: () => {
      try {
        if (!existsSync(file)) throw new Error(`the process wrote no module list to ${file}`);
        return readFileSync(file, 'utf8').split('\n');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The loaded paths inside one package or scope of node_modules (`@azure`, `amqplib`). */
export function modulesOf(paths: readonly string[], name: string): string[] {
  const folder = `${sep}node_modules${sep}${name}${sep}`;
  return paths.filter((path) => path.includes(folder));
}
