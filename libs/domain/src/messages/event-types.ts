/** Routing keys of linebacker's own events (past tense, kebab case). */
export const EVENT_TYPES = {
  received: 'backup-request.received',
  allowed: 'backup-request.allowed',
  notAllowed: 'backup-request.not-allowed',
  sent: 'backup-request.sent',
  succeeded: 'backup-request.succeeded',
  failed: 'backup-request.failed',
  /** A Sent request's reply deadline passed: send-to-interface sends it again (ADR 0210). */
  replyOverdue: 'backup-request.reply-overdue',
  storeStatusReceived: 'store-status.received',
  recoveryRequested: 'recovery.requested',
} as const;

/** One of linebacker's event routing keys. */
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** Every event type, for schema registries and topology. */
export const ALL_EVENT_TYPES: readonly EventType[] = Object.values(EVENT_TYPES);

/** End-state events the notifier consumes. */
export const END_STATE_EVENT_TYPES: readonly EventType[] = [
  EVENT_TYPES.notAllowed,
  EVENT_TYPES.succeeded,
  EVENT_TYPES.failed,
];
