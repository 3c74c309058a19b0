import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Bundles a TypeScript entry (our sources and path aliases inlined, npm packages external)
 * into `libs/messaging/tmp/`, from where Node resolves the workspace's node_modules.
 */
export function bundleChild(entry: string, name: string): string {
  const libRoot = join(__dirname, '..', '..');
  const outDir = join(libRoot, 'tmp');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}-${process.pid}.js`);
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    tsconfig: join(libRoot, 'tsconfig.lib.json'),
    external: ['amqplib', 'ajv', 'ajv-formats'],
    logLevel: 'silent',
  });
  return outfile;
}

/** What one run of a child worker printed, and how it ended. */
export interface ChildRun {
  lines: string[];
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/** Runs a bundled child until it exits or `stopWhen` holds (then kills it); resolves its output. */
export function runChild(
  file: string,
  env: Record<string, string>,
  stopWhen: (lines: string[]) => boolean,
  timeoutMs = 15_000,
): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { env: { ...process.env, ...env } });
    const lines: string[] = [];
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      lines.push(...chunk.split('\n').filter(Boolean));
      // A moment's grace so the last ack reaches the broker before the kill.
      if (stopWhen(lines)) setTimeout(() => child.kill('SIGTERM'), 300);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ lines, exit: { code, signal } });
    });
  });
}
