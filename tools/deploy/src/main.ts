import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkComposeText } from './compose/compose-check';
import { runDclint } from './compose/dclint';

/**
 * `node dist/tools/deploy/main.js [compose file]`: validates a Compose file without a Docker
 * engine (dclint, then every schema error, cross-reference and app configuration problem)
 * and exits 1 if anything is wrong. Run from the workspace root.
 */
function main(argv: string[]): number {
  const workspaceRoot = process.cwd();
  const composeFile = resolve(argv[0] ?? join('docker', 'compose.yaml'));
  const composeDir = dirname(composeFile);
  const lint = runDclint(composeFile, join(composeDir, '.dclintrc.yaml'));
  const problems = checkComposeText(readFileSync(composeFile, 'utf8'), {
    composeDir,
    workspaceRoot,
  });
  const say = (stream: NodeJS.WriteStream, line: string) => void stream.write(`${line}\n`);
  if (!lint.ok) say(process.stderr, `dclint:\n${lint.output}`);
  for (const problem of problems) say(process.stderr, problem);
  const ok = lint.ok && problems.length === 0;
  say(process.stdout, ok ? `${composeFile}: ok` : `${composeFile}: ${problems.length} problem(s)`);
  return ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
