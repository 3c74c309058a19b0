import type { BackupJob } from '@linebacker/domain';
import { checkOutcomes, type OutcomeRows, type OutcomeSummary } from '@linebacker/testing';
import type { FaultKind } from './schedule';
import type { FaultRecord } from './nemesis';
import type { HistoryEntry } from './workload';

/** A stored request with the fields the checker needs beyond the outcome rows. */
export interface StoredRequest {
  backup_request_id: string;
  prepared_data_path_name: string;
  status_type_code: string;
}

/** When a request's send window opened (Allowed) and closed (its next status), ms since epoch. */
export interface SendWindow {
  backup_request_id: string;
  allowedAt: number;
  closedAt: number | null;
}

/** A message left in a dead-letter (or parking) queue. */
export interface DeadLetterSeen {
  queue: string;
  requestId: string | null;
  errorCode: string | null;
  reason: string | null;
}

/** A process exit nobody asked for, or a graceful stop that did not exit 0. */
export interface ProcessExit {
  name: string;
  code: number | null;
  signal?: string | null;
}

/** Everything a run leaves behind for the checker (pure data: unit tests craft it). */
export interface Observation {
  history: readonly HistoryEntry[];
  jobs: readonly BackupJob[];
  /** Every stored request (whatever its call's outcome). */
  stored: readonly StoredRequest[];
  /** Outcome rows of every stored request. */
  rows: OutcomeRows;
  sendWindows: readonly SendWindow[];
  /** Interface simulator attempts per request id. */
  interfaceAttempts: Readonly<Record<string, number>>;
  /** Interface attempts whose message id differed from the request id. */
  mismatchedMessageIds: number;
  /** Deliveries the simulator's own consumer had before (its retries, not linebacker's). */
  interfaceOwnRedeliveries: number;
  /** Request ids the notifier logged an end state for. */
  notified: ReadonlySet<string>;
  /** Depth of every queue of the run's namespace after the drain. */
  queues: Readonly<Record<string, number>>;
  deadLetters: readonly DeadLetterSeen[];
  outboxBacklog: number;
  faults: readonly FaultRecord[];
  selfCrashes: readonly ProcessExit[];
  /** SIGTERMed instances that did not exit 0. */
  badGracefulExits: readonly ProcessExit[];
  lastHealAt: number;
  /** When the last request reached its terminal status (null: none did). */
  lastTerminalAt: number | null;
  /** Why the broker (a cluster) was not whole after the final heal; absent: it was. */
  brokerNotWhole?: string;
}

/** The checker's verdict on one run. */
export interface ChaosReport {
  ok: boolean;
  /** One line per broken property (empty when ok). */
  violations: string[];
  calls: Record<HistoryEntry['outcome'], number> & { total: number; status503: number };
  outcomes: OutcomeSummary;
  lost: string[];
  phantom: string[];
  /** Stored requests from calls without a 202 (timeouts, 5xx) that never ended. */
  stuck: string[];
  illegalTransitions: string[];
  duplicateBackups: string[];
  missingNotifications: string[];
  interface: {
    attempts: number;
    distinctRequests: number;
    duplicateAttempts: number;
    duplicateRequests: number;
    mismatchedMessageIds: number;
    /** The simulator's own retries of deliveries (reported, not judged). */
    ownRedeliveries: number;
    /** Duplicated request ids by the faults that overlapped their send window. */
    explainedBy: Record<string, number>;
    unexplained: string[];
  };
  queues: {
    nonEmpty: Record<string, number>;
    deadLetters: DeadLetterSeen[];
    unexplained: DeadLetterSeen[];
  };
  outboxBacklog: number;
  healToLastTerminalMs: number | null;
  selfCrashes: ProcessExit[];
  badGracefulExits: ProcessExit[];
  intake: {
    duringBrokerOutage: Record<string, number>;
    duringDatabaseOutage: Record<string, number>;
    /** Slowest answer to a call made wholly inside a database outage. */
    slowestDuringDatabaseOutageMs: number | null;
    violations: string[];
  };
  faults: Record<string, number>;
}

/** Every request must end within this long after the last heal (issue 5). */
export const HEAL_TO_TERMINAL_LIMIT_MS = 90_000;
/**
 * "Quickly": a call made while the database is down is answered 503 within this long: the
 * pool's connect timeout (5 s by default, the longest a checkout may wait) plus 3 s of slack
 * for a machine busy with a dozen processes and a restarting server.
 */
export const DB_DOWN_ANSWER_LIMIT_MS = 8_000;

const TERMINAL = new Set(['NotAllowed', 'Succeeded', 'Failed']);
/** Faults that take a broker node (or the only one) away: the intake must still say 202. */
const BROKER_DOWN: readonly FaultKind[] = [
  'broker-restart',
  'broker-kill',
  'node-kill',
  'node-stop',
  'node-kill-leader',
  'node-pause',
];
const DUPLICATE_CAUSES: readonly FaultKind[] = [
  'kill',
  'kill-send',
  'term',
  'broker-connections',
  ...BROKER_DOWN,
  'db-restart',
  'db-terminate',
];
const PROCESS_FAULTS: readonly FaultKind[] = ['kill', 'kill-send', 'term'];
/** Slack around a send window when matching faults (a kill lands a moment before its effect). */
const WINDOW_SLACK_MS = 3000;

const count = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

/** Which faults could explain a duplicate interface attempt for this send window. */
function duplicateCauses(window: SendWindow | undefined, faults: readonly FaultRecord[]): string[] {
  if (!window) return [];
  const end = (window.closedAt ?? Number.MAX_SAFE_INTEGER) + WINDOW_SLACK_MS;
  return faults
    .filter((f) => DUPLICATE_CAUSES.includes(f.kind))
    .filter(
      (f) =>
        !PROCESS_FAULTS.includes(f.kind) ||
        f.targetApp === 'send-to-interface' ||
        f.targetApp === 'sim-backup-interface',
    )
    .filter((f) => f.startedAt <= end && f.healedAt + WINDOW_SLACK_MS >= window.allowedAt)
    .map((f) => f.kind);
}

/**
 * Calls made (start to answer) wholly inside one of `windows`, its start shifted in by
 * `graceMs` and its end by `endGraceMs`.
 */
function callsInside(
  history: readonly HistoryEntry[],
  windows: readonly FaultRecord[],
  graceMs: number,
  endGraceMs = 0,
): HistoryEntry[] {
  // A call whose connection broke without any answer is indeterminate (Jepsen's :info):
  // it is counted in `calls`, not judged here. A timeout is judged: it is a hang.
  return history.filter(
    (h) =>
      h.valid &&
      h.outcome !== 'error' &&
      windows.some(
        (w) => h.startedAt >= w.startedAt + graceMs && h.endedAt <= w.healedAt - endGraceMs,
      ),
  );
}

const overlaps = (a: FaultRecord, h: HistoryEntry, slackMs: number) =>
  a.startedAt <= h.endedAt + slackMs && a.healedAt + slackMs >= h.startedAt;

/**
 * How long before the recorded heal of a database restart PostgreSQL may already answer, for
 * a record without the time its start command was issued.
 */
const DB_RESTART_END_GRACE_MS = 2000;

/** A database restart's window as far as the server was surely down: until its start began. */
const surelyDown = (f: FaultRecord): FaultRecord => ({
  ...f,
  healedAt: f.restartingAt ?? f.healedAt - DB_RESTART_END_GRACE_MS,
});

/** Intake under outages: 202 while only the broker is down; a quick 503 while the database is. */
function intakeChecks(o: Observation): ChaosReport['intake'] {
  const brokerDown = o.faults.filter((f) => BROKER_DOWN.includes(f.kind));
  const dbDown = o.faults.filter((f) => f.kind === 'db-restart').map(surelyDown);
  // Other faults that legitimately change an answer: the receiver itself killed or stopped,
  // backends terminated, the database down.
  const disturbing = o.faults.filter(
    (f) =>
      f.kind === 'db-restart' ||
      f.kind === 'db-terminate' ||
      (PROCESS_FAULTS.includes(f.kind) && f.targetApp === 'http-receiver'),
  );
  const violations: string[] = [];
  const duringBroker = callsInside(o.history, brokerDown, 0).filter(
    (h) => !disturbing.some((f) => overlaps(f, h, 1000)),
  );
  for (const h of duringBroker) {
    if (h.status !== 202)
      violations.push(`op ${h.op}: ${h.outcome} (${h.status}) while only the broker was down`);
  }
  // The pool needs a moment to notice the server is gone; and the server may accept
  // connections again as soon as its start command runs (see surelyDown).
  const duringDb = callsInside(o.history, dbDown, 1000).filter(
    (h) =>
      !o.faults.some(
        (f) =>
          PROCESS_FAULTS.includes(f.kind) &&
          f.targetApp === 'http-receiver' &&
          overlaps(f, h, 1000),
      ),
  );
  for (const h of duringDb) {
    const took = h.endedAt - h.startedAt;
    if (h.status !== 503 || took > DB_DOWN_ANSWER_LIMIT_MS) {
      violations.push(
        `op ${h.op}: ${h.outcome} (${h.status}) after ${took} ms while the database was down`,
      );
    }
  }
  return {
    duringBrokerOutage: count(duringBroker, (h) => String(h.status)),
    duringDatabaseOutage: count(duringDb, (h) => String(h.status)),
    slowestDuringDatabaseOutageMs:
      duringDb.length > 0 ? Math.max(...duringDb.map((h) => h.endedAt - h.startedAt)) : null,
    violations,
  };
}

/**
 * Decides a run (SPEC §5, issue 5): nothing accepted is lost, nothing rejected is stored, no
 * illegal or backwards move, no second Backup, every end state notified, duplicate interface
 * attempts only where a fault hit the send window (and always under the request's id), no
 * message left behind that cannot be explained, every request terminal within 90 s of the
 * last heal, no process that died on its own, intake behaving under outages.
 */
export function check(o: Observation): ChaosReport {
  const accepted = o.history
    .filter((h) => h.outcome === 'accepted' && h.backupRequestId)
    .map((h) => ({ backupRequestId: h.backupRequestId as string, backupJobId: h.backupJobId }));
  const { problems, summary } = checkOutcomes(o.rows, accepted, o.jobs);
  const lost = problems
    .filter((p) => p.kind === 'not-stored' || p.kind === 'not-terminal')
    .map((p) => p.detail);
  const illegalTransitions = problems.filter((p) => p.kind === 'journey').map((p) => p.detail);
  const duplicateBackups = o.rows.backups
    .filter((b) => b.n > 1)
    .map((b) => `${b.backup_request_id}: ${b.n} Backups`);
  const otherOutcomeProblems = problems
    .filter(
      (p) =>
        !['not-stored', 'not-terminal', 'journey', 'backups'].includes(p.kind) ||
        (p.kind === 'backups' && !duplicateBackups.some((d) => d.startsWith(p.requestId))),
    )
    .map((p) => p.detail);

  const byLocation = new Map(o.history.map((h) => [h.location, h]));
  const acceptedIds = new Set(accepted.map((a) => a.backupRequestId));
  const phantom: string[] = [];
  const stuck: string[] = [];
  for (const row of o.stored) {
    const call = byLocation.get(row.prepared_data_path_name);
    if (!call)
      phantom.push(
        `${row.backup_request_id}: stored, but no call posted ${row.prepared_data_path_name}`,
      );
    else if (call.outcome === 'rejected')
      phantom.push(`${row.backup_request_id}: stored, but op ${call.op} got ${call.status}`);
    else if (call.outcome === 'accepted' && call.backupRequestId !== row.backup_request_id) {
      phantom.push(
        `${row.backup_request_id}: stored for op ${call.op}, which got ${call.backupRequestId}`,
      );
    }
    if (!acceptedIds.has(row.backup_request_id) && !TERMINAL.has(row.status_type_code)) {
      stuck.push(
        `${row.backup_request_id}: ${row.status_type_code} (op ${call?.op ?? '?'} got ${call?.outcome ?? 'nothing'})`,
      );
    }
  }
  // Every stored request's journey is checked, not only the accepted ones.
  const extra = o.stored.filter((s) => !acceptedIds.has(s.backup_request_id));
  const extraCheck = checkOutcomes(
    o.rows,
    extra.map((s) => ({
      backupRequestId: s.backup_request_id,
      backupJobId: byLocation.get(s.prepared_data_path_name)?.backupJobId ?? '',
    })),
    o.jobs,
  );
  illegalTransitions.push(
    ...extraCheck.problems.filter((p) => p.kind === 'journey').map((p) => p.detail),
  );

  const terminalIds = o.stored
    .filter((s) => TERMINAL.has(s.status_type_code))
    .map((s) => s.backup_request_id);
  const missingNotifications = terminalIds.filter((id) => !o.notified.has(id));

  const attempts = Object.values(o.interfaceAttempts).reduce((a, b) => a + b, 0);
  const duplicated = Object.entries(o.interfaceAttempts)
    .filter(([, n]) => n > 1)
    .map(([id]) => id);
  const windows = new Map(o.sendWindows.map((w) => [w.backup_request_id, w]));
  const explainedBy: Record<string, number> = {};
  const unexplained: string[] = [];
  for (const id of duplicated) {
    const causes = [...new Set(duplicateCauses(windows.get(id), o.faults))];
    if (causes.length === 0)
      unexplained.push(`${id}: ${o.interfaceAttempts[id]} attempts, no fault in its send window`);
    for (const cause of causes) explainedBy[cause] = (explainedBy[cause] ?? 0) + 1;
  }

  const statusById = new Map(o.stored.map((s) => [s.backup_request_id, s.status_type_code]));
  const isDeadLetterQueue = (q: string) => q.endsWith('.dlq') || q.endsWith('.parked');
  const nonEmpty = Object.fromEntries(Object.entries(o.queues).filter(([, n]) => n > 0));
  const undrained = Object.entries(nonEmpty).filter(([q]) => !isDeadLetterQueue(q));
  const unexplainedLetters = o.deadLetters.filter(
    (d) => !d.requestId || !TERMINAL.has(statusById.get(d.requestId) ?? ''),
  );
  const dlqDepth = Object.entries(nonEmpty)
    .filter(([q]) => isDeadLetterQueue(q))
    .reduce((a, [, n]) => a + n, 0);

  const healToLastTerminalMs =
    o.lastTerminalAt === null ? null : Math.max(0, o.lastTerminalAt - o.lastHealAt);
  const intake = intakeChecks(o);
  const calls = {
    ...{ accepted: 0, rejected: 0, 'server-error': 0, timeout: 0, error: 0 },
    ...count(o.history, (h) => h.outcome),
    total: o.history.length,
    status503: o.history.filter((h) => h.status === 503).length,
  } as ChaosReport['calls'];

  const violations: string[] = [];
  const flag = (items: readonly string[], what: string) => {
    if (items.length > 0)
      violations.push(`${items.length} ${what}, e.g. ${items.slice(0, 3).join('; ')}`);
  };
  flag(lost, 'lost (accepted, not terminal)');
  flag(phantom, 'phantom (stored without a 202)');
  flag(stuck, 'stored requests of unanswered calls not terminal');
  flag(illegalTransitions, 'illegal or backwards transitions');
  flag(duplicateBackups, 'duplicate Backups');
  flag(otherOutcomeProblems, 'outcomes breaking SPEC §1');
  flag(missingNotifications, 'end states never notified');
  flag(unexplained, 'duplicate interface attempts with no fault in the send window');
  if (o.mismatchedMessageIds > 0)
    violations.push(`${o.mismatchedMessageIds} interface attempts under another message id`);
  flag(
    undrained.map(([q, n]) => `${q}=${n}`),
    'queues not drained',
  );
  if (o.deadLetters.length < dlqDepth)
    violations.push(`${dlqDepth - o.deadLetters.length} dead letters not inspected`);
  flag(
    unexplainedLetters.map((d) => `${d.queue} ${d.requestId} ${d.errorCode}: ${d.reason}`),
    'dead letters whose request did not end',
  );
  if (o.outboxBacklog > 0) violations.push(`${o.outboxBacklog} outbox rows never published`);
  if (healToLastTerminalMs !== null && healToLastTerminalMs > HEAL_TO_TERMINAL_LIMIT_MS) {
    violations.push(
      `last terminal state ${healToLastTerminalMs} ms after the last heal (limit ${HEAL_TO_TERMINAL_LIMIT_MS})`,
    );
  }
  flag(
    o.selfCrashes.map((c) => `${c.name} (${c.code ?? c.signal})`),
    'processes that crashed on their own',
  );
  flag(
    o.badGracefulExits.map((c) => `${c.name} (${c.code})`),
    'SIGTERMed processes that did not exit 0',
  );
  flag(intake.violations, 'intake answers breaking SPEC §3 under outages');
  if (o.brokerNotWhole)
    violations.push(`broker cluster not whole after the heal: ${o.brokerNotWhole}`);

  return {
    ok: violations.length === 0,
    violations,
    calls,
    outcomes: summary,
    lost,
    phantom,
    stuck,
    illegalTransitions,
    duplicateBackups,
    missingNotifications,
    interface: {
      attempts,
      distinctRequests: Object.keys(o.interfaceAttempts).length,
      duplicateAttempts: attempts - Object.keys(o.interfaceAttempts).length,
      duplicateRequests: duplicated.length,
      mismatchedMessageIds: o.mismatchedMessageIds,
      ownRedeliveries: o.interfaceOwnRedeliveries,
      explainedBy,
      unexplained,
    },
    queues: { nonEmpty, deadLetters: [...o.deadLetters], unexplained: unexplainedLetters },
    outboxBacklog: o.outboxBacklog,
    healToLastTerminalMs,
    selfCrashes: [...o.selfCrashes],
    badGracefulExits: [...o.badGracefulExits],
    intake,
    faults: count(o.faults, (f) => f.kind),
  };
}
