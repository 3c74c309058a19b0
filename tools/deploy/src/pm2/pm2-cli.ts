import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from '@linebacker/testing';

const run = promisify(execFile);

/** The installed PM2 command line (a dev dependency). */
export const PM2_BIN = join(WORKSPACE_ROOT, 'node_modules', '.bin', 'pm2');

/** One process as `pm2 jlist` describes it (the fields the tests read). */
export interface Pm2Process {
  name: string;
  pm_id: number;
  pid: number;
  pm2_env: {
    status: string;
    exec_mode: string;
    restart_time: number;
    exit_code?: number;
    pm_out_log_path: string;
    pm_err_log_path: string;
    env?: Record<string, string>;
  };
}

/**
 * PM2 driven through its CLI with a private PM2_HOME, so its daemon, logs and dump are this
 * test's alone and can never touch another PM2 on the machine.
 */
export class Pm2 {
  constructor(
    readonly home: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Runs `pm2 <args>` and returns its stdout; rejects with its output on a non-zero exit. */
  async run(args: string[], timeoutMs = 120_000): Promise<string> {
    const { stdout } = await run(PM2_BIN, args, {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, ...this.env, PM2_HOME: this.home },
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  }

  /** Every process the daemon knows. */
  async list(): Promise<Pm2Process[]> {
    return JSON.parse(await this.run(['jlist'])) as Pm2Process[];
  }

  /** Stops every process (each gets its kill_timeout) and the daemon itself. */
  async kill(): Promise<void> {
    await this.run(['kill'], 180_000);
  }
}
