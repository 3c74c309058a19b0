import { IllegalTransitionError } from '../errors/domain-errors';
import { REQUEST_STATUSES, type RequestStatus } from './request-status';

/** Something that happened to a request and may move its status. */
export type RequestEvent =
  | { type: 'allowed' }
  | { type: 'not-allowed' }
  | { type: 'sent' }
  | { type: 'reply'; result: 'Succeeded' | 'Failed' }
  /** The reply deadline passed with every resend used up (ADR 0210). */
  | { type: 'no-reply' };

/** The result of applying an event to a status: a move, a no-op, or an illegal move. */
export type TransitionOutcome =
  | { outcome: 'move'; from: RequestStatus; to: RequestStatus }
  | { outcome: 'noop'; status: RequestStatus; reason: string }
  | { outcome: 'illegal'; error: IllegalTransitionError };

/** A short name for an event, used in errors and logs. */
export function eventName(event: RequestEvent): string {
  return event.type === 'reply' ? `reply ${event.result}` : event.type;
}

const move = (from: RequestStatus, to: RequestStatus): TransitionOutcome => ({
  outcome: 'move',
  from,
  to,
});
const noop = (status: RequestStatus, reason: string): TransitionOutcome => ({
  outcome: 'noop',
  status,
  reason,
});
const illegal = (from: RequestStatus, event: RequestEvent): TransitionOutcome => ({
  outcome: 'illegal',
  error: new IllegalTransitionError(from, eventName(event)),
});

/** The allow decision is made once; any later duplicate finds it made. */
function onDecision(from: RequestStatus, to: 'Allowed' | 'NotAllowed'): TransitionOutcome {
  return from === 'Received' ? move(from, to) : noop(from, 'already checked');
}

function onSent(from: RequestStatus, event: RequestEvent): TransitionOutcome {
  switch (from) {
    case 'Allowed':
      return move(from, 'Sent');
    case 'Sent':
    case 'Succeeded':
    case 'Failed':
      // The reply may beat our Sent commit; the request is then already past Sent.
      return noop(from, 'already sent');
    default:
      return illegal(from, event);
  }
}

/** Only a request still waiting in Sent can run out of time; a reply that came first wins. */
function onNoReply(from: RequestStatus, event: RequestEvent): TransitionOutcome {
  switch (from) {
    case 'Sent':
      return move(from, 'Failed');
    case 'Succeeded':
    case 'Failed':
      return noop(from, 'the reply already came');
    default:
      return illegal(from, event);
  }
}

function onReply(from: RequestStatus, event: RequestEvent & { type: 'reply' }): TransitionOutcome {
  if (from === 'Received' || from === 'NotAllowed') return illegal(from, event);
  if (event.result === 'Succeeded') {
    return from === 'Succeeded' ? noop(from, 'already succeeded') : move(from, 'Succeeded');
  }
  if (from === 'Succeeded') return noop(from, 'a Failed reply never touches a Succeeded request');
  return from === 'Failed' ? noop(from, 'already failed') : move(from, 'Failed');
}

/**
 * The state machine of SPEC §1 as a pure, total function: every (status, event) pair
 * yields a move, a no-op (the step is already done or overtaken) or an illegal move.
 */
export function transition(from: RequestStatus, event: RequestEvent): TransitionOutcome {
  switch (event.type) {
    case 'allowed':
      return onDecision(from, 'Allowed');
    case 'not-allowed':
      return onDecision(from, 'NotAllowed');
    case 'sent':
      return onSent(from, event);
    case 'reply':
      return onReply(from, event);
    case 'no-reply':
      return onNoReply(from, event);
  }
}

/** Every event, for enumerating the state machine. */
export const REQUEST_EVENTS: readonly RequestEvent[] = [
  { type: 'allowed' },
  { type: 'not-allowed' },
  { type: 'sent' },
  { type: 'reply', result: 'Succeeded' },
  { type: 'reply', result: 'Failed' },
  { type: 'no-reply' },
];

/**
 * Every legal move (from, to), once each, read off {@link transition} so the two cannot
 * disagree (two events may make the same move: a Failed reply and no reply both end Sent in
 * Failed).
 */
export const LEGAL_MOVES: ReadonlyArray<{ from: RequestStatus; to: RequestStatus }> =
  REQUEST_STATUSES.flatMap((from) => {
    const targets = REQUEST_EVENTS.flatMap((event) => {
      const outcome = transition(from, event);
      return outcome.outcome === 'move' ? [outcome.to] : [];
    });
    return [...new Set(targets)].map((to) => ({ from, to }));
  });

/** True when the state machine has a move from `from` to `to`. */
export function isLegalMove(from: RequestStatus, to: RequestStatus): boolean {
  return LEGAL_MOVES.some((move) => move.from === from && move.to === to);
}
