import { spawn } from 'node:child_process';
import { bundlePath } from '@linebacker/testing';

/** How one CLI run ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI bundle as an operator would, with only the given environment. */
export function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(process.execPath, [bundlePath('cli'), ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
