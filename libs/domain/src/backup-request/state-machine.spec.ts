import { IllegalTransitionError } from '../errors/domain-errors';
import { REQUEST_STATUSES, STATUS_RANK, type RequestStatus } from './request-status';
import {
  eventName,
  isLegalMove,
  LEGAL_MOVES,
  transition,
  type RequestEvent,
} from './state-machine';

const EVENTS: Record<string, RequestEvent> = {
  allowed: { type: 'allowed' },
  'not-allowed': { type: 'not-allowed' },
  sent: { type: 'sent' },
  'reply Succeeded': { type: 'reply', result: 'Succeeded' },
  'reply Failed': { type: 'reply', result: 'Failed' },
  'no-reply': { type: 'no-reply' },
};

type Expected = { move: RequestStatus } | { noop: string } | 'illegal';

/** SPEC §1 written out: every status against every event. */
const TABLE: Record<RequestStatus, Record<keyof typeof EVENTS, Expected>> = {
  Received: {
    allowed: { move: 'Allowed' },
    'not-allowed': { move: 'NotAllowed' },
    sent: 'illegal',
    'reply Succeeded': 'illegal',
    'reply Failed': 'illegal',
    'no-reply': 'illegal',
  },
  Allowed: {
    allowed: { noop: 'already checked' },
    'not-allowed': { noop: 'already checked' },
    sent: { move: 'Sent' },
    'reply Succeeded': { move: 'Succeeded' },
    'reply Failed': { move: 'Failed' },
    'no-reply': 'illegal',
  },
  NotAllowed: {
    allowed: { noop: 'already checked' },
    'not-allowed': { noop: 'already checked' },
    sent: 'illegal',
    'reply Succeeded': 'illegal',
    'reply Failed': 'illegal',
    'no-reply': 'illegal',
  },
  Sent: {
    allowed: { noop: 'already checked' },
    'not-allowed': { noop: 'already checked' },
    sent: { noop: 'already sent' },
    'reply Succeeded': { move: 'Succeeded' },
    'reply Failed': { move: 'Failed' },
    'no-reply': { move: 'Failed' },
  },
  Succeeded: {
    allowed: { noop: 'already checked' },
    'not-allowed': { noop: 'already checked' },
    sent: { noop: 'already sent' },
    'reply Succeeded': { noop: 'already succeeded' },
    'reply Failed': { noop: 'a Failed reply never touches a Succeeded request' },
    'no-reply': { noop: 'the reply already came' },
  },
  Failed: {
    allowed: { noop: 'already checked' },
    'not-allowed': { noop: 'already checked' },
    sent: { noop: 'already sent' },
    'reply Succeeded': { move: 'Succeeded' },
    'reply Failed': { noop: 'already failed' },
    'no-reply': { noop: 'the reply already came' },
  },
};

const cases = REQUEST_STATUSES.flatMap((from) =>
  Object.keys(EVENTS).map((name) => ({ from, name, expected: TABLE[from][name] })),
);

const describeExpected = (expected: Expected): string =>
  expected === 'illegal'
    ? 'rejects it as illegal'
    : 'move' in expected
      ? `moves to ${expected.move}`
      : `does nothing (${expected.noop})`;

describe('transition', () => {
  it('has an expectation for all 36 (status, event) pairs', () => {
    expect(cases).toHaveLength(36);
    expect(cases.every((c) => c.expected !== undefined)).toBe(true);
  });

  it.each(cases.map((c) => ({ ...c, what: describeExpected(c.expected) })))(
    'from $from on $name $what',
    ({ from, name, expected }) => {
      const result = transition(from, EVENTS[name]);
      if (expected === 'illegal') {
        expect(result.outcome).toBe('illegal');
        if (result.outcome !== 'illegal') return;
        expect(result.error).toBeInstanceOf(IllegalTransitionError);
        expect(result.error).toMatchObject({
          code: 'IllegalTransition',
          kind: 'permanent',
          from,
          event: name,
        });
      } else if ('move' in expected) {
        expect(result).toEqual({ outcome: 'move', from, to: expected.move });
      } else {
        expect(result).toEqual({ outcome: 'noop', status: from, reason: expected.noop });
      }
    },
  );

  it('only ever moves to a status of strictly higher rank', () => {
    for (const { from, name } of cases) {
      const result = transition(from, EVENTS[name]);
      if (result.outcome === 'move')
        expect(STATUS_RANK[result.to]).toBeGreaterThan(STATUS_RANK[from]);
    }
  });
});

describe('eventName', () => {
  it('names a reply by its result and other events by their type', () => {
    expect(Object.values(EVENTS).map(eventName)).toEqual(Object.keys(EVENTS));
  });
});

describe('LEGAL_MOVES', () => {
  it('lists exactly the moves of SPEC §1', () => {
    const written = Object.entries(TABLE).flatMap(([from, row]) =>
      Object.values(row).flatMap((expected) =>
        typeof expected === 'object' && 'move' in expected ? [`${from}>${expected.move}`] : [],
      ),
    );
    expect(LEGAL_MOVES.map(({ from, to }) => `${from}>${to}`).sort()).toEqual(
      [...new Set(written)].sort(),
    );
  });

  it('knows a legal move from a backwards or skipping one', () => {
    expect(isLegalMove('Allowed', 'Sent')).toBe(true);
    expect(isLegalMove('Sent', 'Allowed')).toBe(false);
    expect(isLegalMove('Received', 'Succeeded')).toBe(false);
    expect(isLegalMove('Succeeded', 'Failed')).toBe(false);
  });
});
