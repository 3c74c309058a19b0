import type { InterfaceRequest, StoreStatusReply } from '@linebacker/domain';
import { InterfaceSimulator, unitHash } from './interface-simulator';

const request = (id: string): InterfaceRequest => ({
  backupRequestId: id,
  backupJobId: 'job-1',
  dataDate: '2024-01-31',
  preparedDataPathName: '/prepared',
  storagePathName: '/vault',
  backupProviderCode: 'Local',
});

describe('InterfaceSimulator', () => {
  it('replies once per distinct request and counts duplicates by message id', async () => {
    const replies: StoreStatusReply[] = [];
    const sim = new InterfaceSimulator(
      { replyDelayMs: 0, failedShare: 0 },
      async (r) => void replies.push(r),
    );
    await sim.handle(request('a'), 'a');
    await sim.handle(request('a'), 'a');
    await sim.handle(request('b'), 'b');
    expect(replies.map((r) => r.backupRequestId)).toEqual(['a', 'b']);
    expect(sim.stats()).toMatchObject({
      attempts: 3,
      distinctRequests: 2,
      duplicateAttempts: 1,
      replies: 2,
      succeeded: 2,
    });
    expect(sim.attemptsByRequest()).toEqual({ a: 2, b: 1 });
  });

  it('answers a request again when its first reply could not be sent (the delivery returns)', async () => {
    const replies: StoreStatusReply[] = [];
    let brokerDown = true;
    const sim = new InterfaceSimulator({ replyDelayMs: 0, failedShare: 0 }, async (r) => {
      if (brokerDown) throw new Error('reply channel closed');
      replies.push(r);
    });
    await expect(sim.handle(request('a'), 'a')).rejects.toThrow('reply channel closed');
    brokerDown = false;
    await sim.handle(request('a'), 'a');
    await sim.handle(request('a'), 'a');
    expect(replies.map((r) => r.backupRequestId)).toEqual(['a']);
    expect(sim.stats()).toMatchObject({ attempts: 3, distinctRequests: 1, duplicateAttempts: 2 });
  });

  it('drops a copy arriving while the same request is answered once that reply went out', async () => {
    const replies: StoreStatusReply[] = [];
    const sim = new InterfaceSimulator(
      { replyDelayMs: 20, failedShare: 0 },
      async (r) => void replies.push(r),
    );
    const outcomes = await Promise.all([
      sim.handle(request('a'), 'a'),
      sim.handle(request('a'), 'a'),
    ]);
    expect(outcomes).toEqual(['answered', 'duplicate']);
    expect(replies).toHaveLength(1);
  });

  it('answers a copy that arrived while the first reply was failing (the first delivery may never return)', async () => {
    const replies: StoreStatusReply[] = [];
    let failNext = true;
    const sim = new InterfaceSimulator({ replyDelayMs: 20, failedShare: 0 }, async (r) => {
      if (failNext) {
        failNext = false;
        throw new Error('reply channel closed');
      }
      replies.push(r);
    });
    const first = sim.handle(request('a'), 'a');
    const copy = sim.handle(request('a'), 'a');
    await expect(first).rejects.toThrow('reply channel closed');
    await expect(copy).resolves.toBe('answered');
    expect(replies.map((r) => r.backupRequestId)).toEqual(['a']);
  });

  it('counts a delivery its own consumers had before as its own redelivery, not an attempt', async () => {
    const sim = new InterfaceSimulator({ replyDelayMs: 0, failedShare: 0 }, async () => undefined);
    await sim.handle(request('a'), 'a');
    await sim.handle(request('a'), 'a', true);
    await sim.handle(request('b'), 'b', true); // first seen as a redelivery: still an attempt
    expect(sim.stats()).toMatchObject({
      attempts: 2,
      ownRedeliveries: 1,
      distinctRequests: 2,
      duplicateAttempts: 0,
    });
    expect(sim.attemptsByRequest()).toEqual({ a: 1, b: 1 });
  });

  it('flags a message id that is not the request id', async () => {
    const sim = new InterfaceSimulator({ replyDelayMs: 0, failedShare: 0 }, async () => undefined);
    await sim.handle(request('a'), 'something-else');
    expect(sim.stats().mismatchedMessageIds).toBe(1);
  });

  it('never answers the silent share, still counting every copy it is sent', async () => {
    const replies: StoreStatusReply[] = [];
    const sim = new InterfaceSimulator(
      { replyDelayMs: 0, failedShare: 0, silentShare: 1 },
      async (r) => void replies.push(r),
    );
    expect(await sim.handle(request('a'), 'a')).toBe('ignored');
    expect(await sim.handle(request('a'), 'a')).toBe('ignored');
    expect(replies).toEqual([]);
    expect(sim.attemptsByRequest()).toEqual({ a: 2 });
    const some = new InterfaceSimulator(
      { replyDelayMs: 0, failedShare: 0, silentShare: 0.5 },
      async (r) => void replies.push(r),
    );
    const ids = Array.from({ length: 200 }, (_, i) => `r-${i}`);
    for (const id of ids) await some.handle(request(id), id);
    const silent = ids.filter((id) => unitHash(`${id}:silent`) < 0.5);
    expect(silent.length).toBeGreaterThan(50);
    expect(replies.map((r) => r.backupRequestId).sort()).toEqual(
      ids.filter((id) => !silent.includes(id)).sort(),
    );
  });

  it('answers the configured share as Failed, reproducibly per request id', () => {
    const sim = new InterfaceSimulator(
      { replyDelayMs: 0, failedShare: 0.3 },
      async () => undefined,
    );
    const ids = Array.from({ length: 2000 }, (_, i) => `req-${i}`);
    const failed = ids.filter((id) => sim.replyFor(request(id)).resultTypeCode === 'Failed');
    expect(failed.length / ids.length).toBeGreaterThan(0.25);
    expect(failed.length / ids.length).toBeLessThan(0.35);
    expect(failed.every((id) => unitHash(id) < 0.3)).toBe(true);
  });

  it('builds Succeeded replies with every field the reply schema requires', () => {
    const sim = new InterfaceSimulator({ replyDelayMs: 0, failedShare: 0 }, async () => undefined);
    const reply = sim.replyFor(request('x'));
    expect(reply).toMatchObject({
      apiVersion: '2022-05-22',
      backupRequestId: 'x',
      resultTypeCode: 'Succeeded',
      storagePathName: '/vault/2024-01-31',
    });
    expect(reply.backupByteCount).toBeGreaterThan(0);
    expect(reply.verifiedHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('resolves only after the reply was sent', async () => {
    let sent = false;
    const sim = new InterfaceSimulator(
      { replyDelayMs: 20, failedShare: 0 },
      async () => void (sent = true),
    );
    const handled = sim.handle(request('a'), 'a');
    expect(sent).toBe(false);
    await handled;
    expect(sent).toBe(true);
  });
});
