import { waitFor } from '@linebacker/testing';
import { Nemesis, type BrokerControl, type NodeControl } from './nemesis';
import type { PlannedFault } from './schedule';
import type { Supervisor } from './supervisor';

/** A node that only records what was done to it; `failedRestarts` of its restarts throw. */
function fakeNode(name: string, events: string[], failedRestarts = 0): NodeControl {
  let running = true;
  let failures = failedRestarts;
  return {
    name,
    isRunning: () => running,
    kill: async () => void (events.push(`kill ${name}`), (running = false)),
    stopGracefully: async () => void (events.push(`stop ${name}`), (running = false)),
    restart: async () => {
      if (failures-- > 0) {
        events.push(`restart ${name} failed`);
        throw new Error('boot timed out');
      }
      events.push(`restart ${name}`);
      running = true;
    },
    pause: () => void events.push(`pause ${name}`),
    resume: () => void events.push(`resume ${name}`),
  };
}

function cluster(
  events: string[],
  whole: () => Promise<void> = async () => undefined,
  failedRestartsOfFirst = 0,
) {
  const nodes = ['n-a', 'n-b', 'n-c'].map((n, i) =>
    fakeNode(n, events, i === 0 ? failedRestartsOfFirst : 0),
  );
  const broker: BrokerControl = {
    closeAllConnections: async () => undefined,
    stopApp: async () => undefined,
    startApp: async () => undefined,
    kill: async () => undefined,
    restart: async () => undefined,
    nodes,
    busiestQueue: async () => ({ queue: 'q.busy', messages: 42, node: 2 }),
    awaitWhole: async () => {
      events.push('await whole');
      await whole();
    },
  };
  // Node faults touch no process of the stack; the final heal only asks who is running.
  const supervisor = {
    stack: { running: () => [] },
    settle: async () => undefined,
  } as unknown as Supervisor;
  return new Nemesis({
    supervisor,
    broker,
    database: {
      stopImmediate: async () => undefined,
      startAgain: async () => undefined,
      terminateBackends: async () => 0,
    },
    injectReplies: async () => '',
    log: () => undefined,
  });
}

const fault = (kind: PlannedFault['kind'], pick = 0.1): PlannedFault => ({
  atMs: 0,
  kind,
  durationMs: 5,
  pick,
});

describe('the nemesis on a cluster', () => {
  it('kills the node leading the busiest queue, boots it again and waits for a whole cluster', async () => {
    const events: string[] = [];
    const nemesis = cluster(events);
    await nemesis.run([fault('node-kill-leader')]);
    await nemesis.heal({ finishSchedule: true });
    expect(events.slice(0, 3)).toEqual(['kill n-c', 'restart n-c', 'await whole']);
    expect(nemesis.records[0]).toMatchObject({
      kind: 'node-kill-leader',
      target: 'n-c',
      detail: expect.stringMatching(/^leads q\.busy \(42 messages\); whole \d+ ms after boot$/),
    });
    expect(nemesis.brokerNotWhole).toBeUndefined();
  });

  it('stops a node gracefully, or pauses and resumes it, on the node the pick names', async () => {
    const events: string[] = [];
    const nemesis = cluster(events);
    await nemesis.run([fault('node-stop', 0.5), fault('node-pause', 0.9)]);
    await nemesis.heal({ finishSchedule: true });
    expect(events.slice(0, 6)).toEqual([
      'stop n-b',
      'restart n-b',
      'await whole',
      'pause n-c',
      'resume n-c',
      'await whole',
    ]);
  });

  it('records a fault whose cluster is not whole again, and the cluster not whole at the heal', async () => {
    const events: string[] = [];
    const nemesis = cluster(events, async () => {
      throw new Error('n-a sees running n-a; partitions n-a: n-b');
    });
    await nemesis.run([fault('node-kill')]);
    await nemesis.heal({ finishSchedule: true });
    expect(nemesis.records[0]?.error).toMatch(/partitions n-a: n-b/);
    expect(nemesis.brokerNotWhole).toMatch(/partitions n-a: n-b/);
    expect(events.filter((e) => e.startsWith('kill') || e.startsWith('restart'))).toEqual([
      'kill n-a',
      'restart n-a',
    ]);
  });

  it('brings a node back when its fault fails half-way', async () => {
    const events: string[] = [];
    // The first restart fails (the node is still down): the nemesis must not leave it out.
    const nemesis = cluster(events, async () => undefined, 1);
    await nemesis.run([fault('node-kill')]);
    // Once the fault has ended, before any heal: the final heal resumes and restarts every
    // node anyway, so only what happened before it shows the fault's own recovery.
    await waitFor(() => (nemesis.records[0]?.healedAt ?? 0) > 0, 'the fault to end');
    expect(events.filter((e) => /^(kill|restart|resume)/.test(e))).toEqual([
      'kill n-a',
      'restart n-a failed',
      'resume n-a',
      'restart n-a',
    ]);
    await nemesis.heal({ finishSchedule: true });
    expect(nemesis.records[0]?.error).toMatch(/boot timed out/);
  });
});
