import type { ChannelModel } from 'amqplib';
import { waitFor } from '@linebacker/testing';
import { fakeConnector, type FakeConnection } from '../testing/fake-amqp';
import { ConnectionSupervisor, type ConnectionParticipant } from './connection-supervisor';

const fast = { url: 'amqp://localhost', reconnectInitialDelayMs: 5, reconnectMaxDelayMs: 20 };
const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

class Recorder implements ConnectionParticipant {
  readonly events: string[] = [];
  failNext = 0;
  constructor(private readonly name: string) {}
  async onConnect(_connection: ChannelModel, generation: number): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error(`${this.name} set-up failed`);
    }
    this.events.push(`${this.name}:connect:${generation}`);
  }
  onDisconnect(generation: number): void {
    this.events.push(`${this.name}:disconnect:${generation}`);
  }
}

describe('ConnectionSupervisor', () => {
  it('retries the first connect a bounded number of times, then rejects unavailable', async () => {
    const fake = fakeConnector([refused()]);
    const supervisor = new ConnectionSupervisor(
      { ...fast, startupMaxAttempts: 3 },
      {},
      fake.connect,
    );
    await expect(supervisor.start()).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'BrokerUnavailable',
    });
    expect(fake.attempts()).toBe(3);
  });

  it('fails start at once on an irrecoverable reply code (bad credentials)', async () => {
    const denied = new Error(
      'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "…"',
    );
    const fake = fakeConnector([denied]);
    const supervisor = new ConnectionSupervisor(
      { ...fast, startupMaxAttempts: 5 },
      {},
      fake.connect,
    );
    await expect(supervisor.start()).rejects.toMatchObject({
      kind: 'permanent',
      code: 'BrokerMisconfigured',
    });
    expect(fake.attempts()).toBe(1);
  });

  it('connects with noDelay, the timeout and the heartbeat', async () => {
    const seen: Array<{ url: string; options: Record<string, unknown> }> = [];
    const fake = fakeConnector(['ok']);
    const supervisor = new ConnectionSupervisor(
      { ...fast, heartbeatSeconds: 7, connectTimeoutMs: 1234 },
      {},
      (url, options) => {
        seen.push({ url, options });
        return fake.connect(url, options);
      },
    );
    await supervisor.start();
    expect(seen[0]?.url).toContain('heartbeat=7');
    expect(seen[0]?.options).toMatchObject({ noDelay: true, timeout: 1234 });
    await supervisor.stop();
  });

  it('opens the URL with the separate password in place of the URL one, percent-encoded', async () => {
    const seen: string[] = [];
    const fake = fakeConnector(['ok']);
    const supervisor = new ConnectionSupervisor(
      { ...fast, url: 'amqp://app:old@localhost/lb', password: 'p@ss:w/rd' },
      {},
      (url, options) => {
        seen.push(url);
        return fake.connect(url, options);
      },
    );
    await supervisor.start();
    const opened = new URL(seen[0] ?? '');
    expect([opened.username, decodeURIComponent(opened.password), opened.pathname]).toEqual([
      'app',
      'p@ss:w/rd',
      '/lb',
    ]);
    await supervisor.stop();
  });

  it('replays every participant in order after a loss, with a new generation', async () => {
    const fake = fakeConnector(['ok', refused(), 'ok']);
    const states: string[] = [];
    const supervisor = new ConnectionSupervisor(
      fast,
      { onConnectionChange: (s) => states.push(s) },
      fake.connect,
    );
    const topology = new Recorder('topology');
    const consumer = new Recorder('consumer');
    await supervisor.add(topology);
    await supervisor.add(consumer);
    await supervisor.start();
    expect(supervisor.isReady()).toBe(true);
    (fake.connections[0] as FakeConnection).drop(new Error('heartbeat timeout'));
    expect(supervisor.isReady()).toBe(false);
    await waitFor(() => supervisor.isReady(), 'the reconnect');
    expect(topology.events).toEqual([
      'topology:connect:1',
      'topology:disconnect:1',
      'topology:connect:3',
    ]);
    expect(consumer.events).toEqual([
      'consumer:connect:1',
      'consumer:disconnect:1',
      'consumer:connect:3',
    ]);
    expect(states).toEqual(['connected', 'disconnected', 'connected']);
    expect(supervisor.reconnectCount()).toBe(1);
    await supervisor.stop();
  });

  it('treats a failed set-up as a failed connection and tries again', async () => {
    const fake = fakeConnector(['ok']);
    const supervisor = new ConnectionSupervisor(fast, {}, fake.connect);
    const participant = new Recorder('p');
    participant.failNext = 1;
    await supervisor.add(participant);
    await supervisor.start();
    expect(fake.connections[0]?.closed).toBe(true);
    expect(participant.events).toEqual(['p:disconnect:1', 'p:connect:2']);
    await supervisor.stop();
  });

  it('never reconnects after stop', async () => {
    // Fake timers: every reconnect timer left behind fires now, however long its delay.
    jest.useFakeTimers();
    try {
      const fake = fakeConnector(['ok']);
      const supervisor = new ConnectionSupervisor(fast, {}, fake.connect);
      await supervisor.start();
      await supervisor.stop();
      await jest.runAllTimersAsync();
      expect(fake.attempts()).toBe(1);
      expect(supervisor.isReady()).toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });
});
