import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { APP_NODE_FLAGS } from '@linebacker/domain';

/** One JSON log line an app printed (non-JSON lines are kept under `text`). */
export type LogLine = Record<string, unknown>;

/** A built app running as its own OS process, with its stdout parsed line by line. */
export interface BundleProcess {
  child: ChildProcess;
  lines: LogLine[];
  /**
   * Resolves with the first line matching `predicate` (already seen or future); rejects when
   * `timeoutMs` passes or the process has closed its output without printing one.
   */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** The workspace root, found from this file's location in libs/testing/src. */
export const WORKSPACE_ROOT = join(__dirname, '..', '..', '..');

/** The path of a built app bundle (`<root>/<app>/main.js`, root `dist/apps`); throws if it is not built. */
export function bundlePath(app: string, root = join(WORKSPACE_ROOT, 'dist', 'apps')): string {
  const path = join(root, app, 'main.js');
  if (!existsSync(path))
    throw new Error(`${path} is missing: build the app first (nx build ${app})`);
  return path;
}

/** How a bundle process is started. */
export interface BundleOptions {
  /**
   * In a session of its own (`setsid`), so that a kernel grouping CPU time by session
   * (`kernel.sched_autogroup_enabled`) schedules it as its own group, as a container or a
   * systemd unit is, instead of sharing one group with every process of the harness. Such a
   * process is not in the harness's process group: only its stop ends it.
   */
  ownSession?: boolean;
}

/**
 * Starts `node <flags> <bundle>`, with the Node flags every app runs with in production
 * (`APP_NODE_FLAGS`) and the given environment added to this one; `bundleRoot` replaces
 * `dist/apps` (a harness running for minutes keeps a copy, safe from concurrent rebuilds).
 */
export function startBundle(
  app: string,
  env: Record<string, string>,
  bundleRoot?: string,
  options: BundleOptions = {},
): BundleProcess {
  const child = spawn(process.execPath, [...APP_NODE_FLAGS, bundlePath(app, bundleRoot)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownSession === true,
  });
  const lines: LogLine[] = [];
  interface Waiter {
    predicate: (l: LogLine) => boolean;
    resolve: (l: LogLine) => void;
    reject: (e: Error) => void;
  }
  const waiters: Waiter[] = [];
  const onLine = (text: string, stream: 'stdout' | 'stderr'): void => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { text };
    }
    if (stream === 'stderr') line = { ...line, stream };
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  if (!child.stdout || !child.stderr) throw new Error('child process without pipes');
  createInterface({ input: child.stdout }).on('line', (text) => onLine(text, 'stdout'));
  createInterface({ input: child.stderr }).on('line', (text) => onLine(text, 'stderr'));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  // 'close' comes after the output's last line: a waiter still waiting then never gets one,
  // and its timer must not keep the test process alive until it fires.
  const lastLines = () =>
    lines
      .slice(-10)
      .map((l) => JSON.stringify(l))
      .join('\n');
  let closedWith: string | undefined;
  const notFound = () =>
    new Error(
      `${app} exited (${closedWith}) without a matching log line; last lines:\n${lastLines()}`,
    );
  child.once('close', (code, signal) => {
    closedWith = signal ?? String(code);
    for (const waiter of waiters.splice(0)) waiter.reject(notFound());
  });

  const waitForLine = (
    predicate: (line: LogLine) => boolean,
    timeoutMs = 15_000,
  ): Promise<LogLine> => {
    const seen = lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    if (closedWith !== undefined) return Promise.reject(notFound());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = waiters.indexOf(waiter);
        if (index >= 0) waiters.splice(index, 1);
        reject(
          new Error(
            `${app}: no matching log line within ${timeoutMs} ms; last lines:\n${lastLines()}`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (line) => (clearTimeout(timer), resolve(line)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      };
      waiters.push(waiter);
    });
  };
  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return exited;
  };
  return { child, lines, waitForLine, exited, stop };
}
