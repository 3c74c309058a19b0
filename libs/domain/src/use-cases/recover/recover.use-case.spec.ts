import type { RequestStatus } from '../../backup-request/request-status';
import type { BackupRequestRepository } from '../../ports/backup-request.repository';
import { createInMemoryPipeline, requestInStatus, type InMemoryPipeline } from '../../testing';
import { recover } from './recover.use-case';

const MINUTE = 60_000;

describe('recover', () => {
  let p: InMemoryPipeline;
  const round = (input: Partial<Parameters<typeof recover>[1]> = {}) =>
    recover(p.recovery, {
      staleAfterMs: 10 * MINUTE,
      batchSize: 100,
      maxBatches: 10,
      ...input,
    });
  const outboxAfter = (start: number) => p.requests.outbox.slice(start);
  const inEach = async (statuses: RequestStatus[]) => {
    const ids: Record<string, string> = {};
    for (const status of statuses) ids[status] = await requestInStatus(p, status);
    return ids;
  };

  beforeEach(() => {
    p = createInMemoryPipeline({ start: '2024-03-16T00:00:00Z' });
  });

  it('re-drives stalled Received and Allowed requests with their original message ids', async () => {
    const ids = await inEach(['Received', 'Allowed', 'NotAllowed', 'Sent', 'Succeeded', 'Failed']);
    const originals = [...p.requests.outbox];
    p.clock.advance(11 * MINUTE);
    const start = p.requests.outbox.length;

    expect(await round()).toBe(2);

    const redriven = outboxAfter(start);
    expect(redriven.map((m) => [m.payload['backupRequestId'], m.type])).toEqual([
      [ids['Received'], 'backup-request.received'],
      [ids['Allowed'], 'backup-request.allowed'],
    ]);
    for (const message of redriven) {
      const original = originals.find(
        (o) =>
          o.type === message.type &&
          o.payload['backupRequestId'] === message.payload['backupRequestId'],
      );
      expect(message.messageId).toBe(original?.messageId);
      expect(message.occurredAt).toEqual(p.clock.now());
    }
  });

  it('leaves requests alone whose status changed within the threshold', async () => {
    await requestInStatus(p, 'Received');
    p.clock.advance(9 * MINUTE);
    expect(await round()).toBe(0);
  });

  it('re-drives nothing in a second round right after the first', async () => {
    await inEach(['Received', 'Allowed']);
    p.clock.advance(11 * MINUTE);
    expect(await round()).toBe(2);
    const start = p.requests.outbox.length;
    expect(await round()).toBe(0);
    expect(outboxAfter(start)).toEqual([]);
  });

  it('re-drives a request again once it has stayed stuck for another threshold', async () => {
    await requestInStatus(p, 'Received');
    p.clock.advance(11 * MINUTE);
    await round();
    p.clock.advance(5 * MINUTE);
    expect(await round()).toBe(0);
    p.clock.advance(6 * MINUTE);
    expect(await round()).toBe(1);
  });

  it('at start-up re-drives every request that changed before the start, however recent', async () => {
    await requestInStatus(p, 'Received');
    p.clock.advance(1000);
    const startedAt = p.clock.now();
    expect(await round({ changedBefore: startedAt })).toBe(1);
    await requestInStatus(p, 'Received');
    expect(await round({ changedBefore: startedAt })).toBe(0);
  });

  describe('in batches', () => {
    let claims: number;
    beforeEach(async () => {
      claims = 0;
      const inner = p.requests;
      const counting: BackupRequestRepository = {
        findById: (id) => inner.findById(id),
        create: (...args) => inner.create(...args),
        applyChange: (change) => inner.applyChange(change),
        claimSend: (claim) => inner.claimSend(claim),
        releaseSend: (...args) => inner.releaseSend(...args),
        history: (id) => inner.history(id),
        countByStatus: () => inner.countByStatus(),
        claimOverdueReplies: (...args) => inner.claimOverdueReplies(...args),
        claimStalled: (query, redrive) => {
          claims += 1;
          return inner.claimStalled(query, redrive);
        },
      };
      p.recovery = { ...p.recovery, requests: counting };
      for (let i = 0; i < 5; i++) await requestInStatus(p, 'Received');
      p.clock.advance(11 * MINUTE);
    });

    it('stops after the first batch that comes back short', async () => {
      expect(await round({ batchSize: 2 })).toBe(5);
      expect(claims).toBe(3);
    });

    it('stops after maxBatches even when more are stalled', async () => {
      expect(await round({ batchSize: 2, maxBatches: 2 })).toBe(4);
      expect(claims).toBe(2);
      expect(await round({ batchSize: 2, maxBatches: 2 })).toBe(1);
    });

    it('re-drives each request once per round even with no threshold and a moving clock', async () => {
      // A real clock moves between batches; with staleAfterMs 0 ("sweep everything now")
      // the requests claimed by the first batch must not count as stalled again.
      const ticking = { now: () => p.clock.advance(1) };
      p.recovery = { ...p.recovery, clock: ticking };
      const start = p.requests.outbox.length;
      expect(await round({ staleAfterMs: 0, batchSize: 2 })).toBe(5);
      const ids = outboxAfter(start).map((m) => m.payload['backupRequestId']);
      expect(new Set(ids).size).toBe(5);
      expect(ids).toHaveLength(5);
    });

    it('asks once more when a batch comes back exactly full', async () => {
      expect(await round({ batchSize: 5 })).toBe(5);
      expect(claims).toBe(2);
    });
  });
});
