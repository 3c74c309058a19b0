import fc from 'fast-check';
import { isLegalStatusMove } from '../testing/journey-invariants';
import { REQUEST_STATUSES, STATUS_RANK, type RequestStatus } from './request-status';
import { transition, type RequestEvent } from './state-machine';

const anEvent: fc.Arbitrary<RequestEvent> = fc.oneof(
  fc.constant({ type: 'allowed' as const }),
  fc.constant({ type: 'not-allowed' as const }),
  fc.constant({ type: 'sent' as const }),
  fc.constant({ type: 'no-reply' as const }),
  fc.constantFrom('Succeeded' as const, 'Failed' as const).map((result) => ({
    type: 'reply' as const,
    result,
  })),
);

/** Events with duplicates: each drawn event may be delivered several times in a row. */
const eventsWithDuplicates = fc
  .array(fc.tuple(anEvent, fc.integer({ min: 1, max: 3 })), { maxLength: 30 })
  .map((drawn) => drawn.flatMap(([event, times]) => Array<RequestEvent>(times).fill(event)));

describe('transition, over random event sequences', () => {
  it('only ever makes legal moves up the rank, and otherwise leaves the status alone', () => {
    fc.assert(
      fc.property(eventsWithDuplicates, (events) => {
        let status: RequestStatus = 'Received';
        for (const event of events) {
          const result = transition(status, event);
          if (result.outcome === 'move') {
            expect(result.from).toBe(status);
            expect(isLegalStatusMove(result.from, result.to)).toBe(true);
            expect(STATUS_RANK[result.to]).toBeGreaterThan(STATUS_RANK[result.from]);
            status = result.to;
          } else if (result.outcome === 'noop') {
            expect(result.status).toBe(status);
          }
        }
      }),
    );
  });

  it('delivering any event twice in a row changes nothing the second time', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REQUEST_STATUSES), anEvent, (from, event) => {
        const first = transition(from, event);
        const after = first.outcome === 'move' ? first.to : from;
        expect(transition(after, event).outcome).not.toBe('move');
      }),
    );
  });

  it('never leaves NotAllowed or Succeeded, and leaves Failed only for Succeeded', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<RequestStatus>('NotAllowed', 'Succeeded', 'Failed'),
        anEvent,
        (from, event) => {
          const result = transition(from, event);
          if (result.outcome === 'move') expect([from, result.to]).toEqual(['Failed', 'Succeeded']);
        },
      ),
    );
  });

  it('reaches the same end status whatever order a reordered set of replies arrives in', () => {
    const replies = fc.array(
      fc.constantFrom<RequestEvent>(
        { type: 'reply', result: 'Succeeded' },
        { type: 'reply', result: 'Failed' },
      ),
      { minLength: 1, maxLength: 6 },
    );
    const endStatus = (events: RequestEvent[]) =>
      events.reduce<RequestStatus>((status, event) => {
        const result = transition(status, event);
        return result.outcome === 'move' ? result.to : status;
      }, 'Sent');
    fc.assert(
      fc.property(
        replies.chain((r) =>
          fc.tuple(
            fc.constant(r),
            fc.shuffledSubarray(r, { minLength: r.length, maxLength: r.length }),
          ),
        ),
        ([inOrder, shuffled]) => {
          expect(endStatus(shuffled)).toBe(endStatus(inOrder));
        },
      ),
    );
  });
});
