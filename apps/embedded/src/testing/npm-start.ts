import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { WORKSPACE_ROOT } from '@linebacker/testing';

/** `npm start` running in a child process group, and what it printed so far. */
export interface NpmStart {
  lines: string[];
  /** The first line (printed already or later) that matches, or a rejection after the timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Calls `listener` with every line printed from now on. */
  onLine(listener: (line: string) => void): void;
  /**
   * SIGTERM to the whole group (npm runs the app in a child shell); resolves once every
   * process of it has closed its output, i.e. the app itself has exited, not only npm.
   */
  stop(): Promise<void>;
}

/** Runs `npm start` as the README says (HTTP port 0 plus `env`), and collects its output. */
export function npmStart(env: Record<string, string> = {}): NpmStart {
  const child = spawn('npm', ['start'], {
    cwd: WORKSPACE_ROOT,
    // NODE_OPTIONS carries the test runner's own flags (see jest.config.cjs), not the app's.
    env: { ...process.env, NODE_OPTIONS: '', LINEBACKER_HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  const receive = (line: string): void => {
    lines.push(line);
    for (const listener of [...listeners]) listener(line);
  };
  if (!child.stdout || !child.stderr) throw new Error('no pipes');
  createInterface({ input: child.stdout }).on('line', receive);
  createInterface({ input: child.stderr }).on('line', receive);
  // 'close' comes after the streams of every process that inherited them have ended.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const onLine = (listener: (line: string) => void): void => void listeners.push(listener);
  const waitFor = (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const seen = lines.map((line) => pattern.exec(line)).find(Boolean);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => {
        listeners.splice(listeners.indexOf(listener), 1);
        reject(new Error(`no ${pattern} in:\n${lines.slice(-20).join('\n')}`));
      }, timeoutMs);
      const listener = (line: string): void => {
        const match = pattern.exec(line);
        if (!match) return;
        clearTimeout(timer);
        listeners.splice(listeners.indexOf(listener), 1);
        resolve(match);
      };
      onLine(listener);
    });
  const stop = (): Promise<void> => {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
    return closed;
  };
  return { lines, waitFor, onLine, stop };
}
