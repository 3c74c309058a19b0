import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBundle } from './bundle-process';
import { ProcessStack } from './stack';

/** A bundle root with one "app" whose main.js is `source`. */
function bundleRoot(source: string): string {
  const root = mkdtempSync(join(tmpdir(), 'linebacker-bundle-process-'));
  mkdirSync(join(root, 'app'));
  writeFileSync(join(root, 'app', 'main.js'), source);
  return root;
}

describe('startBundle', () => {
  const roots: string[] = [];
  const root = (source: string) => {
    const made = bundleRoot(source);
    roots.push(made);
    return made;
  };
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  it('resolves a waiter with a line printed later', async () => {
    const app = startBundle(
      'app',
      {},
      root(`setTimeout(() => console.log(JSON.stringify({ outcome: 'ready' })), 50);`),
    );
    const line = await app.waitForLine((l) => l['outcome'] === 'ready', 10_000);
    expect(line).toEqual({ outcome: 'ready' });
    await app.exited;
  });

  it('rejects a waiter as soon as the process exits without the line, not at its time-out', async () => {
    const app = startBundle('app', {}, root(`console.log(JSON.stringify({ outcome: 'other' }));`));
    const started = Date.now();
    // A time-out longer than Jest's: only the exit can end this wait in time.
    await expect(app.waitForLine((l) => l['outcome'] === 'ready', 600_000)).rejects.toThrow(
      /exited \(0\) without a matching log line/,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('rejects a wait that starts after the process has gone', async () => {
    const app = startBundle('app', {}, root(`process.exit(3);`));
    await new Promise((resolve) => app.child.once('close', resolve));
    await expect(app.waitForLine(() => false, 600_000)).rejects.toThrow(
      /exited \(3\) without a matching log line; last lines/,
    );
  });

  it('still finds a line the process printed before it exited', async () => {
    const app = startBundle('app', {}, root(`console.log(JSON.stringify({ outcome: 'ready' }));`));
    await new Promise((resolve) => app.child.once('close', resolve));
    await expect(app.waitForLine((l) => l['outcome'] === 'ready')).resolves.toEqual({
      outcome: 'ready',
    });
  });

  // Field 6 of /proc/self/stat is the session id; a session leader's is its own pid.
  const printsSession = root(
    `const stat = require('fs').readFileSync('/proc/self/stat', 'utf8');
     const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
     console.log(JSON.stringify({ outcome: 'ready', pid: process.pid, session }));`,
  );
  const sessionOf = async (ownSession?: boolean) => {
    const app = startBundle('app', {}, printsSession, { ownSession });
    const line = await app.waitForLine((l) => l['outcome'] === 'ready', 10_000);
    await app.exited;
    return line;
  };

  it('starts a process in a session of its own when asked', async () => {
    const line = await sessionOf(true);
    expect(line['session']).toBe(line['pid']);
  });

  it("starts a process in the harness's session by default", async () => {
    const line = await sessionOf();
    expect(line['session']).not.toBe(line['pid']);
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const own = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    expect(line['session']).toBe(own);
  });

  it('fails a stack start at once, naming the instance and its last line, when the app exits before ready', async () => {
    const stack = new ProcessStack(
      {},
      root(`console.log(JSON.stringify({ message: 'bad config' })); process.exit(1);`),
    );
    const started = Date.now();
    await expect(stack.start('app', {}, 600_000)).rejects.toThrow(
      /^app#1 not ready: app exited \(1\) without a matching log line; last lines:\n.*bad config/,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
