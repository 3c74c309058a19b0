import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { runService } from './service-lifecycle';

class FakeProcess extends EventEmitter {
  sent: unknown[] = [];
  private exited: (code: number) => void = () => undefined;
  /** Resolves with the first exit code, once runService calls `exit`. */
  readonly firstExit = new Promise<number>((resolve) => (this.exited = resolve));
  exit = (code: number): void => this.exited(code);
  send = (message: unknown): boolean => this.sent.push(message) > 0;
}

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, stream };
}

describe('runService', () => {
  it('announces readiness, stops on SIGTERM and exits 0', async () => {
    const proc = new FakeProcess();
    const { lines, stream } = capture();
    const stops: number[] = [];
    await runService({
      name: 'demo',
      logger: createLogger({ service: 'demo', stream }),
      start: async () => ({ stop: async (deadline) => void stops.push(deadline) }),
      stopDeadlineMs: 500,
      process: proc as unknown as NodeJS.Process,
    });
    expect(proc.sent).toEqual(['ready']);
    proc.emit('SIGTERM');
    expect(await proc.firstExit).toBe(0);
    expect(stops).toEqual([500]);
    expect(lines.map((l) => l['outcome'])).toEqual(['ready', 'stopping', 'stopped']);
    expect(lines[0]).toMatchObject({ service: 'demo', level: 'info' });
  });

  it('exits 1 with a clear message when start-up fails', async () => {
    const proc = new FakeProcess();
    const { lines, stream } = capture();
    await runService({
      name: 'demo',
      logger: createLogger({ service: 'demo', stream }),
      start: async () => {
        throw new Error('database unreachable');
      },
      stopDeadlineMs: 500,
      process: proc as unknown as NodeJS.Process,
    });
    expect(await proc.firstExit).toBe(1);
    expect(proc.sent).toEqual([]);
    expect(lines[0]).toMatchObject({
      level: 'error',
      message: 'demo could not start: database unreachable',
    });
  });
});
