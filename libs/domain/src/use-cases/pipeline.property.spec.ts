import fc from 'fast-check';
import type { RequestStatus } from '../backup-request/request-status';
import { transition, type RequestEvent } from '../backup-request/state-machine';
import { IllegalTransitionError } from '../errors/domain-errors';
import { isLinebackerError } from '../errors/linebacker-error';
import type { BackupRepository, BackupRequestRepository } from '../ports/backup-request.repository';
import type { BackupJobService } from '../ports/backup-job-service.port';
import {
  aBackupJob,
  aNewRequest,
  aStoreStatusReply,
  createInMemoryPipeline,
  journeyViolations,
  type InMemoryPipeline,
} from '../testing';
import { receiveBackupRequest } from './receive-backup-request/receive-backup-request.use-case';
import { checkAllowed } from './check-allowed/check-allowed.use-case';
import { notify } from './notify/notify.use-case';
import { receiveStatus } from './receive-status/receive-status.use-case';
import { recover } from './recover/recover.use-case';
import { sendToInterface } from './send-to-interface/send-to-interface.use-case';

/** One message or call a worker may handle, for request 0 or 1. */
type Step =
  | { kind: 'check' | 'send' | 'notify' | 'resubmit'; target: 0 | 1 }
  | { kind: 'reply'; target: 0 | 1; result: 'Succeeded' | 'Failed' }
  | { kind: 'recover' }
  | { kind: 'toggle-job' };

/** A step run alone, or two run at once by two instances. */
type Command = { solo: Step } | { pair: [Step, Step] };

const aTarget = fc.constantFrom<0 | 1>(0, 1);
const forTarget = (kind: 'check' | 'send' | 'notify' | 'resubmit') =>
  aTarget.map((target): Step => ({ kind, target }));
const aStep: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: forTarget('check'), weight: 3 },
  { arbitrary: forTarget('send'), weight: 3 },
  {
    arbitrary: fc
      .tuple(aTarget, fc.constantFrom('Succeeded' as const, 'Failed' as const))
      .map(([target, result]): Step => ({ kind: 'reply', target, result })),
    weight: 4,
  },
  { arbitrary: forTarget('notify'), weight: 1 },
  { arbitrary: forTarget('resubmit'), weight: 1 },
  { arbitrary: fc.constant<Step>({ kind: 'recover' }), weight: 1 },
  { arbitrary: fc.constant<Step>({ kind: 'toggle-job' }), weight: 1 },
);
const aConcurrentStep = aStep.filter((step) => step.kind !== 'toggle-job');
/** Alone; two different steps at once; or one message handled by two instances at once. */
const aCommand: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: aStep.map((solo) => ({ solo })), weight: 2 },
  { arbitrary: fc.tuple(aConcurrentStep, aConcurrentStep).map((pair) => ({ pair })), weight: 2 },
  { arbitrary: aConcurrentStep.map((step): Command => ({ pair: [step, step] })), weight: 1 },
);

/**
 * Every repository and job service call waits for the scheduler, which releases waiting
 * calls in an order fast-check picks (and shrinks), so two instances interleave at every
 * await: read, job lookup, compare-and-set.
 */
function scheduledPipeline(s: fc.Scheduler, active: boolean): InMemoryPipeline {
  const p = createInMemoryPipeline({ jobs: [aBackupJob({ isActive: active })] });
  const later = <T>(label: string, run: () => Promise<T>): Promise<T> =>
    s.schedule(Promise.resolve(), label).then(run);
  const inner = p.requests;
  const requests: BackupRequestRepository & BackupRepository = {
    findById: (id) => later('findById', () => inner.findById(id)),
    create: (...args) => later('create', () => inner.create(...args)),
    applyChange: (c) => later(`applyChange ${c.from}->${c.to}`, () => inner.applyChange(c)),
    claimStalled: (...args) => later('claimStalled', () => inner.claimStalled(...args)),
    claimOverdueReplies: (...args) =>
      later('claimOverdueReplies', () => inner.claimOverdueReplies(...args)),
    claimSend: (claim) => later('claimSend', () => inner.claimSend(claim)),
    releaseSend: (...args) => later('releaseSend', () => inner.releaseSend(...args)),
    history: (id) => later('history', () => inner.history(id)),
    countByStatus: () => inner.countByStatus(),
    findByRequestId: (id) => later('findByRequestId', () => inner.findByRequestId(id)),
  };
  const jobs: BackupJobService = { findJob: (id) => later('findJob', () => p.jobs.findJob(id)) };
  return {
    ...p,
    intake: { ...p.intake, requests },
    checkAllowed: { ...p.checkAllowed, requests, jobs },
    sendToInterface: { ...p.sendToInterface, requests },
    receiveStatus: { ...p.receiveStatus, requests, jobs },
    recovery: { ...p.recovery, requests },
    notify: { ...p.notify, requests },
  };
}

/** The state-machine event a step applies, given whether the job is active now. */
function eventOf(step: Step, jobActive: boolean): RequestEvent | null {
  if (step.kind === 'check') return { type: jobActive ? 'allowed' : 'not-allowed' };
  if (step.kind === 'send') return { type: 'sent' };
  if (step.kind === 'reply') return { type: 'reply', result: step.result };
  return null;
}

const after = (status: RequestStatus, event: RequestEvent | null): RequestStatus => {
  const result = event && transition(status, event);
  return result?.outcome === 'move' ? result.to : status;
};

/** Two requests in a scheduled pipeline, and a way to run any step against them. */
async function createWorld(s: fc.Scheduler, initiallyActive: boolean) {
  const p = scheduledPipeline(s, initiallyActive);
  const world = { p, jobActive: initiallyActive, ids: [] as string[], run, statusOf };
  const inputs = [0, 1].map((i) => aNewRequest({ idempotencyKey: `key-${i}` }));
  for (const input of inputs) {
    const created = await s.waitFor(receiveBackupRequest(p.intake, input));
    world.ids.push(created.request.backupRequestId);
  }

  async function statusOf(target: number): Promise<RequestStatus | undefined> {
    return (await p.requests.findById(world.ids[target]))?.statusTypeCode;
  }

  async function run(step: Step): Promise<void> {
    if (step.kind === 'toggle-job') {
      world.jobActive = !world.jobActive;
      p.jobs.put(aBackupJob({ isActive: world.jobActive }));
      return;
    }
    if (step.kind === 'recover') {
      p.clock.advance(11 * 60_000);
      const bounds = { staleAfterMs: 600_000, batchSize: 1, maxBatches: 5 };
      await recover(p.recovery, bounds);
      return;
    }
    const backupRequestId = world.ids[step.target];
    const messageId = `${step.kind}-${backupRequestId}`;
    if (step.kind === 'check') await checkAllowed(p.checkAllowed, { backupRequestId, messageId });
    if (step.kind === 'send')
      await sendToInterface(p.sendToInterface, { backupRequestId, messageId });
    if (step.kind === 'notify') await notify(p.notify, { backupRequestId });
    if (step.kind === 'reply') {
      const reply = aStoreStatusReply(backupRequestId, { resultTypeCode: step.result });
      await receiveStatus(p.receiveStatus, { reply, messageId });
    }
    if (step.kind === 'resubmit') {
      const again = await receiveBackupRequest(p.intake, inputs[step.target]);
      expect(again).toMatchObject({ outcome: 'replayed', request: { backupRequestId } });
    }
  }
  return world;
}

/** Lets through only the refusals a correct pipeline produces; anything else fails the run. */
async function allowingDomainRefusals(work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (error instanceof IllegalTransitionError) {
      // Only a send or a reply for a request that was never allowed is refused.
      expect(['Received', 'NotAllowed']).toContain(error.from);
    } else if (!(isLinebackerError(error) && error.code === 'NotTerminal')) {
      throw error;
    }
  }
}

/** The statuses the steps may leave a request in: those of running them one after the other. */
function serialOutcomes(before: RequestStatus, events: (RequestEvent | null)[]): RequestStatus[] {
  const [first = null, second = null] = events;
  return [after(after(before, first), second), after(after(before, second), first)];
}

describe('the use cases, over random, duplicated, reordered and concurrent steps', () => {
  it('never land an illegal or backwards move, nor a second Backup, nor a second send', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.boolean(),
        fc.array(aCommand, { minLength: 1, maxLength: 30, size: 'medium' }),
        async (s, initiallyActive, commands) => {
          const world = await createWorld(s, initiallyActive);
          const { p } = world;
          for (const command of commands) {
            p.clock.advance(1000);
            const before = [await world.statusOf(0), await world.statusOf(1)];
            const steps = 'solo' in command ? [command.solo] : command.pair;
            await s.waitFor(
              Promise.all(steps.map((step) => allowingDomainRefusals(world.run(step)))),
            );

            // Each step takes effect at its compare-and-set, so two at once must end as
            // one of the two serial orders would have.
            for (const target of [0, 1]) {
              const events = steps.map((step) =>
                'target' in step && step.target === target ? eventOf(step, world.jobActive) : null,
              );
              const was = before[target] ?? 'Received';
              expect(serialOutcomes(was, events)).toContain(await world.statusOf(target));
            }
          }

          const requests = p.requests.allRequests();
          expect(requests).toHaveLength(2);
          // Nothing crashes here, so the interface never sees a request twice (SPEC §5.4).
          const sent = p.backupInterface.sent.map((request) => request.backupRequestId);
          expect(sent).toEqual([...new Set(sent)]);
          for (const request of requests) {
            const history = await p.requests.history(request.backupRequestId);
            expect(journeyViolations(request, history, p.requests.allBackups())).toEqual([]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
