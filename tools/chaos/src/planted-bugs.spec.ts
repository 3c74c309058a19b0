import { check } from './checker';
import { EPOCH, healthyRun, observationOf } from './testing/observations';

// Each planted bug of issue 5, as the state it leaves behind in the database, the history,
// the simulator and the logs; the checker must refuse every one of them.

const ID = '00000000-0000-4000-8000-0000000000b1';

describe('planted bugs the checker catches', () => {
  it('compare-and-set switched off: two racing reply handlers both win, and both senders send', () => {
    const run = observationOf([
      { id: ID, op: 0, backupJobId: 'job-active-local', path: ['Allowed', 'Sent', 'Succeeded'] },
    ]);
    // Without `AND status = $expected` the Failed reply's UPDATE also lands: from Sent, again.
    run.rows.moves.push({
      backup_request_id: ID,
      from_status_type_code: 'Sent',
      to_status_type_code: 'Failed',
    });
    run.rows.requests = run.rows.requests.map((r) => ({ ...r, status_type_code: 'Failed' }));
    run.stored = run.stored.map((s) => ({ ...s, status_type_code: 'Failed' }));
    // Two send-to-interface instances both moved Allowed → Sent and both sent it.
    run.interfaceAttempts = { [ID]: 2 };
    run.sendWindows = [{ backup_request_id: ID, allowedAt: EPOCH, closedAt: EPOCH + 100 }];
    const report = check(run);
    expect(report.illegalTransitions.join('\n')).toMatch(/move from Sent after reaching Succeeded/);
    expect(report.illegalTransitions.join('\n')).toMatch(/illegal move|Succeeded/);
    expect(report.interface.unexplained).toHaveLength(1);
    expect(report.ok).toBe(false);
  });

  it('ack before commit: a reply acked and then lost in a crash leaves the request Sent forever', () => {
    const run = observationOf([
      { id: ID, op: 0, backupJobId: 'job-active-local', path: ['Allowed', 'Sent'] },
      {
        id: '00000000-0000-4000-8000-0000000000b2',
        op: 1,
        backupJobId: 'job-inactive',
        path: ['NotAllowed'],
      },
    ]);
    // …and an end-state event acked before it was logged: the notification is gone.
    run.notified = new Set();
    const report = check(run);
    expect(report.lost).toEqual([`${ID}: not terminal (Sent)`]);
    expect(report.missingNotifications).toEqual(['00000000-0000-4000-8000-0000000000b2']);
    expect(report.ok).toBe(false);
  });

  it('202 before the commit: the caller holds an id the database never stored', () => {
    const run = healthyRun();
    const [first] = run.history;
    if (!first) throw new Error('the healthy run has no calls');
    run.history = [
      ...run.history,
      { ...first, op: 9, location: '/prepared/chaos/t/9', backupRequestId: ID },
    ];
    const report = check(run);
    expect(report.lost).toEqual([`${ID}: accepted but not stored`]);
    expect(report.ok).toBe(false);
  });

  it('recovery disabled: a request whose message was dead-lettered stays Received', () => {
    const run = observationOf([{ id: ID, op: 0, backupJobId: 'job-active-local', path: [] }]);
    run.queues = { 'chaos.check-allowed.backup-request.received.dlq': 1 };
    run.deadLetters = [
      {
        queue: 'chaos.check-allowed.backup-request.received.dlq',
        requestId: ID,
        errorCode: 'RetriesExhausted',
        reason: 'job service 503',
      },
    ];
    const report = check(run);
    expect(report.lost).toEqual([`${ID}: not terminal (Received)`]);
    expect(report.queues.unexplained).toHaveLength(1);
    expect(report.ok).toBe(false);
  });
});
