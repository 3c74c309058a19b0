import { ConcurrentUpdateError, RequestNotFoundError } from '../../errors/domain-errors';
import type { BackupRequestRepository, StatusChange } from '../../ports/backup-request.repository';
import { createInMemoryPipeline, requestInStatus } from '../../testing';
import { runStep, type StepDecision } from './step';

describe('runStep', () => {
  const setUp = async (conflicts: number) => {
    const p = createInMemoryPipeline();
    const id = await requestInStatus(p, 'Received');
    const calls = { reads: 0, decisions: 0, writes: 0 };
    let toLose = conflicts;
    const repo: BackupRequestRepository = {
      findById: (requestId) => {
        calls.reads += 1;
        return p.requests.findById(requestId);
      },
      create: (...args) => p.requests.create(...args),
      applyChange: async (change) => {
        calls.writes += 1;
        if (toLose-- > 0) return 'conflict';
        return p.requests.applyChange(change);
      },
      claimStalled: (...args) => p.requests.claimStalled(...args),
      claimOverdueReplies: (...args) => p.requests.claimOverdueReplies(...args),
      claimSend: (claim) => p.requests.claimSend(claim),
      releaseSend: (...args) => p.requests.releaseSend(...args),
      history: (requestId) => p.requests.history(requestId),
      countByStatus: () => p.requests.countByStatus(),
    };
    const change: StatusChange = {
      backupRequestId: id,
      from: 'Received',
      to: 'Allowed',
      at: p.clock.now(),
      patch: {},
      by: 'test',
      messageId: 'm-1',
      outbox: [],
    };
    const decide = async (): Promise<StepDecision> => {
      calls.decisions += 1;
      return { kind: 'change', change };
    };
    return { p, id, repo, calls, decide };
  };

  it('applies the change when the compare-and-set wins', async () => {
    const { id, repo, decide, calls } = await setUp(0);
    expect(await runStep(repo, id, decide)).toEqual({
      outcome: 'applied',
      from: 'Received',
      to: 'Allowed',
    });
    expect(calls).toEqual({ reads: 1, decisions: 1, writes: 1 });
  });

  it('re-reads and decides again after a lost compare-and-set', async () => {
    const { id, repo, decide, calls } = await setUp(2);
    expect(await runStep(repo, id, decide)).toMatchObject({ outcome: 'applied' });
    expect(calls).toEqual({ reads: 3, decisions: 3, writes: 3 });
  });

  it('gives up with a transient ConcurrentUpdateError after a bounded number of lost rounds', async () => {
    const { p, id, repo, decide, calls } = await setUp(Number.POSITIVE_INFINITY);
    const attempt = runStep(repo, id, decide);
    await expect(attempt).rejects.toBeInstanceOf(ConcurrentUpdateError);
    await expect(attempt).rejects.toMatchObject({ kind: 'transient' });
    expect(calls).toEqual({ reads: 5, decisions: 5, writes: 5 });
    expect((await p.requests.findById(id))?.statusTypeCode).toBe('Received');
  });

  it('reports work found done with the status as read', async () => {
    const { id, repo } = await setUp(0);
    const done = async (): Promise<StepDecision> => ({ kind: 'done', reason: 'nothing to do' });
    expect(await runStep(repo, id, done)).toEqual({
      outcome: 'already-done',
      status: 'Received',
      reason: 'nothing to do',
    });
  });

  it('writes nothing when the decision throws', async () => {
    const { id, repo, calls } = await setUp(0);
    const boom = async (): Promise<StepDecision> => {
      throw new Error('lookup failed');
    };
    await expect(runStep(repo, id, boom)).rejects.toThrow('lookup failed');
    expect(calls.writes).toBe(0);
  });

  it('reports a missing request as RequestNotFoundError without deciding', async () => {
    const { repo, decide, calls } = await setUp(0);
    await expect(runStep(repo, 'nope', decide)).rejects.toBeInstanceOf(RequestNotFoundError);
    expect(calls.decisions).toBe(0);
  });
});
