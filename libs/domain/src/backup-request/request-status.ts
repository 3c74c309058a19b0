/** Every status a backup request can have (SPEC §1). */
export const REQUEST_STATUSES = [
  'Received',
  'Allowed',
  'NotAllowed',
  'Sent',
  'Succeeded',
  'Failed',
] as const;

/** A backup request's status. */
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Statuses from which nothing more will happen without a human or a new request. */
export const TERMINAL_STATUSES: readonly RequestStatus[] = ['NotAllowed', 'Succeeded', 'Failed'];

/** Statuses recovery re-drives when they stall (Sent waits on the interface and is not re-sent). */
export const REDRIVABLE_STATUSES: readonly RequestStatus[] = ['Received', 'Allowed'];

/**
 * Progress rank of each status: every legal move strictly increases it, which is what
 * "a status never moves backwards" means. Failed ranks below Succeeded because a late
 * Succeeded reply may still overtake an earlier Failed one.
 */
export const STATUS_RANK: Readonly<Record<RequestStatus, number>> = {
  Received: 0,
  Allowed: 1,
  NotAllowed: 1,
  Sent: 2,
  Failed: 3,
  Succeeded: 4,
};

/** True when the status is terminal. */
export function isTerminalStatus(status: RequestStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** True when the value is one of the known statuses. */
export function isRequestStatus(value: unknown): value is RequestStatus {
  return typeof value === 'string' && (REQUEST_STATUSES as readonly string[]).includes(value);
}
