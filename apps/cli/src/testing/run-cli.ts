import { spawn } from 'node:child_process';
import { bundlePath } from '@linebacker/testing';

/**
 * `--timeout` for a `stats` run against healthy services whose subject is not the probe
 * bound: on a saturated CI machine connecting has taken longer than the 3 s default (a
 * fresh-clone run of 6 December reported a dependency down, exit 4). The bound's own
 * behaviour is tested with an unreachable database.
 */
export const HEALTHY_PROBE_BOUND = ['--timeout', '10000'];

/** What one run of the CLI bundle produced. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI bundle as an operator would, with only the given environment. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(process.execPath, [bundlePath('cli'), ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
