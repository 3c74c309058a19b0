import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';

/** What dclint said about a Compose file. */
export interface DclintResult {
  ok: boolean;
  output: string;
}

/**
 * Runs dclint (compose-spec schema plus its lint rules) with the rules in `configFile`;
 * any warning fails, so the file stays clean rather than accumulating noise.
 */
export function runDclint(composeFile: string, configFile: string): DclintResult {
  const cli = join(dirname(require.resolve('dclint/package.json')), 'bin', 'dclint.cjs');
  const result = spawnSync(
    process.execPath,
    [cli, '-c', configFile, '--max-warnings', '0', '--color', 'false', composeFile],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}
