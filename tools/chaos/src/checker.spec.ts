import { check } from './checker';
import { EPOCH, faultAt, healthyRun, observationOf } from './testing/observations';

const SUCCEEDED = '00000000-0000-4000-8000-000000000001';
const FAILED = '00000000-0000-4000-8000-000000000002';

describe('the chaos checker', () => {
  it('passes a run where every accepted request ended legally, once, and was notified', () => {
    const report = check(healthyRun());
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.outcomes).toEqual({ NotAllowed: 1, Succeeded: 1, Failed: 1, backups: 1 });
    expect(report.interface).toMatchObject({
      attempts: 2,
      distinctRequests: 2,
      duplicateAttempts: 0,
    });
  });

  it('reports a request stored for a call that got a 4xx as a phantom', () => {
    const run = observationOf([
      {
        id: '00000000-0000-4000-8000-00000000000a',
        op: 0,
        backupJobId: 'job-active-local',
        path: ['NotAllowed'],
        status: 400,
      },
    ]);
    const report = check(run);
    expect(report.phantom).toHaveLength(1);
    expect(report.ok).toBe(false);
  });

  it('reports a request stored with no call behind it as a phantom', () => {
    const run = healthyRun();
    run.stored = [
      ...run.stored,
      {
        backup_request_id: 'x',
        prepared_data_path_name: '/nowhere',
        status_type_code: 'NotAllowed',
      },
    ];
    expect(check(run).phantom).toEqual(['x: stored, but no call posted /nowhere']);
  });

  it('reports a second Backup for one request', () => {
    const run = healthyRun();
    run.rows.backups = [{ backup_request_id: SUCCEEDED, n: 2, same_job: true }];
    const report = check(run);
    expect(report.duplicateBackups).toEqual([`${SUCCEEDED}: 2 Backups`]);
    expect(report.ok).toBe(false);
  });

  it('reports an end state the notifier never logged', () => {
    const run = healthyRun();
    run.notified = new Set([SUCCEEDED]);
    expect(check(run).missingNotifications).toEqual([
      FAILED,
      '00000000-0000-4000-8000-000000000003',
    ]);
  });

  it('accepts a duplicate interface attempt (same message id) when a send-to-interface kill hit its send window', () => {
    const run = healthyRun();
    run.interfaceAttempts = { ...run.interfaceAttempts, [SUCCEEDED]: 2 };
    run.sendWindows = [
      { backup_request_id: SUCCEEDED, allowedAt: EPOCH + 1000, closedAt: EPOCH + 6000 },
    ];
    run.faults = [faultAt('kill-send', 2000, 50, 'send-to-interface')];
    const report = check(run);
    expect(report.ok).toBe(true);
    expect(report.interface).toMatchObject({
      duplicateAttempts: 1,
      explainedBy: { 'kill-send': 1 },
    });
  });

  it('flags a duplicate interface attempt with no fault in its send window', () => {
    const run = healthyRun();
    run.interfaceAttempts = { ...run.interfaceAttempts, [SUCCEEDED]: 2 };
    run.sendWindows = [
      { backup_request_id: SUCCEEDED, allowedAt: EPOCH + 1000, closedAt: EPOCH + 1500 },
    ];
    run.faults = [
      faultAt('kill', 30_000, 50, 'send-to-interface'),
      faultAt('kill', 2000, 50, 'notifier'),
    ];
    const report = check(run);
    expect(report.interface.unexplained).toHaveLength(1);
    expect(report.ok).toBe(false);
  });

  it('flags interface attempts under another message id', () => {
    const run = healthyRun();
    run.mismatchedMessageIds = 1;
    expect(check(run).ok).toBe(false);
  });

  it('flags messages left in a work queue, and explains a dead letter only if its request ended', () => {
    const run = healthyRun();
    run.queues = {
      'chaos.notifier.end-states': 3,
      'chaos.check-allowed.backup-request.received.dlq': 2,
    };
    run.deadLetters = [
      {
        queue: 'chaos.check-allowed.backup-request.received.dlq',
        requestId: SUCCEEDED,
        errorCode: 'RetriesExhausted',
        reason: '503',
      },
      {
        queue: 'chaos.check-allowed.backup-request.received.dlq',
        requestId: 'gone',
        errorCode: 'RetriesExhausted',
        reason: '503',
      },
    ];
    const report = check(run);
    expect(report.queues.unexplained.map((d) => d.requestId)).toEqual(['gone']);
    expect(report.violations.join('\n')).toMatch(/queues not drained.*notifier/);
    expect(report.violations.join('\n')).toMatch(/dead letters whose request did not end/);
  });

  it('flags requests still unfinished 90 s after the last heal, and processes that died on their own', () => {
    const run = healthyRun();
    run.lastTerminalAt = run.lastHealAt + 91_000;
    run.selfCrashes = [{ name: 'http-receiver#2', code: 1 }];
    const report = check(run);
    expect(report.healToLastTerminalMs).toBe(91_000);
    expect(report.violations).toHaveLength(2);
  });

  it('flags intake that does not answer 202 while only the broker is down', () => {
    const run = healthyRun();
    run.faults = [faultAt('broker-restart', -1000, 5000)];
    run.history = run.history.map((h, i) =>
      i === 1 ? { ...h, status: 503, outcome: 'server-error' } : h,
    );
    const report = check(run);
    expect(report.intake.duringBrokerOutage).toEqual({ '202': 2, '503': 1 });
    expect(report.intake.violations).toHaveLength(1);
  });

  it.each(['node-kill', 'node-stop', 'node-kill-leader', 'node-pause'] as const)(
    'counts a cluster node fault (%s) as the broker down: 202 wanted, duplicates explained',
    (kind) => {
      const run = healthyRun();
      run.faults = [faultAt(kind, -1000, 5000)];
      run.history = run.history.map((h, i) =>
        i === 1 ? { ...h, status: 503, outcome: 'server-error' } : h,
      );
      expect(check(run).intake.violations).toHaveLength(1);

      const dup = healthyRun();
      dup.interfaceAttempts = { ...dup.interfaceAttempts, [SUCCEEDED]: 2 };
      dup.sendWindows = [
        { backup_request_id: SUCCEEDED, allowedAt: EPOCH + 1000, closedAt: EPOCH + 6000 },
      ];
      dup.faults = [faultAt(kind, 2000, 5000)];
      expect(check(dup).interface.explainedBy).toEqual({ [kind]: 1 });
      expect(check(dup).ok).toBe(true);
    },
  );

  it('flags a cluster that is not whole again after the heal', () => {
    const run = healthyRun();
    run.brokerNotWhole = 'chaos-1-c@localhost sees running chaos-1-c@localhost';
    const report = check(run);
    expect(report.violations).toEqual([
      'broker cluster not whole after the heal: chaos-1-c@localhost sees running chaos-1-c@localhost',
    ]);
    expect(report.ok).toBe(false);
  });

  it('wants a quick 503 while the database is down', () => {
    const run = healthyRun();
    run.faults = [faultAt('db-restart', -2000, 5000)];
    run.history = run.history.map((h) => ({
      ...h,
      status: 503,
      outcome: 'server-error' as const,
      backupRequestId: undefined,
    }));
    run.stored = [];
    run.rows = { requests: [], backups: [], moves: [] };
    run.interfaceAttempts = {};
    run.notified = new Set();
    const report = check(run);
    expect(report.intake).toMatchObject({ duringDatabaseOutage: { '503': 3 }, violations: [] });
    expect(report.ok).toBe(true);
  });

  it('judges a database restart only until its start command was issued', () => {
    const run = healthyRun();
    // The start command ran 50 ms after the epoch and took 8 s to return: the calls after it
    // may find the server up again, and are not judged.
    run.faults = [{ ...faultAt('db-restart', -2000, 10_000), restartingAt: EPOCH + 50 }];
    run.history = run.history.map((h, i) =>
      i === 0
        ? { ...h, status: 503, outcome: 'server-error' as const, backupRequestId: undefined }
        : h,
    );
    const first = run.history[0]?.backupRequestId;
    run.stored = run.stored.filter((s) => s.backup_request_id !== first);
    const report = check(run);
    expect(report.intake).toMatchObject({ duringDatabaseOutage: { '503': 1 }, violations: [] });
  });
});
