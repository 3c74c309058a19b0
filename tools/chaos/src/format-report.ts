import type { ChaosReport } from './checker';

const json = (value: unknown): string => JSON.stringify(value);

/** The report as a human reads it at the end of a run. */
export function formatReport(report: ChaosReport, seed: number, durationMs: number): string {
  const c = report.calls;
  const i = report.interface;
  const lines = [
    `chaos run, seed ${seed}, ${Math.round(durationMs / 1000)} s: ${report.ok ? 'OK' : 'VIOLATIONS'}`,
    `calls: ${c.total} (202: ${c.accepted}, 4xx: ${c.rejected}, 5xx: ${c['server-error']} of which 503: ${c.status503}, timeout: ${c.timeout}, no answer: ${c.error})`,
    `outcomes: ${json(report.outcomes)}`,
    `faults: ${json(report.faults)}`,
    `lost: ${report.lost.length}   phantom: ${report.phantom.length}   stuck (unanswered calls): ${report.stuck.length}`,
    `illegal or backwards transitions: ${report.illegalTransitions.length}   duplicate Backups: ${report.duplicateBackups.length}   missing notifications: ${report.missingNotifications.length}`,
    `interface: ${i.attempts} attempts for ${i.distinctRequests} request ids; ${i.duplicateAttempts} duplicate attempts on ${i.duplicateRequests} ids (faults in their send window: ${json(i.explainedBy)}; unexplained: ${i.unexplained.length}); other message ids: ${i.mismatchedMessageIds}; the simulator's own redeliveries (not attempts): ${i.ownRedeliveries}`,
    `queues left non-empty: ${json(report.queues.nonEmpty)}; dead letters: ${report.queues.deadLetters.length} (unexplained: ${report.queues.unexplained.length})`,
    ...report.queues.deadLetters
      .slice(0, 10)
      .map((d) => `  ${d.queue}: ${d.requestId} ${d.errorCode}: ${d.reason}`),
    `outbox rows left: ${report.outboxBacklog}`,
    `last heal to last terminal state: ${report.healToLastTerminalMs === null ? 'n/a' : `${report.healToLastTerminalMs} ms`}`,
    `self-crashes: ${report.selfCrashes.length}   SIGTERM exits not 0: ${report.badGracefulExits.length}`,
    `intake while only the broker was down: ${json(report.intake.duringBrokerOutage)}; while the database was down: ${json(report.intake.duringDatabaseOutage)} (slowest ${report.intake.slowestDuringDatabaseOutageMs ?? 'n/a'} ms)`,
  ];
  if (!report.ok) lines.push('violations:', ...report.violations.map((v) => `  - ${v}`));
  return lines.join('\n');
}
