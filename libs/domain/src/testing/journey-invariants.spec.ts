import { isResendEntry } from '../backup-request/reply-deadline';
import { REQUEST_STATUSES, type RequestStatus } from '../backup-request/request-status';
import { REQUEST_EVENTS, transition } from '../backup-request/state-machine';
import type { StatusHistoryEntry } from '../ports/backup-request.repository';
import { backupFromReply } from '../backup/backup';
import { newBackupRequest, type BackupRequest } from '../backup-request/backup-request';
import { aBackupJob, aNewRequest, aStoreStatusReply } from './fixtures';
import { isLegalStatusMove, journeyViolations, LEGAL_STATUS_MOVES } from './journey-invariants';

const row = (from: RequestStatus | null, to: RequestStatus): StatusHistoryEntry => ({
  backupRequestId: 'r-1',
  fromStatus: from,
  toStatus: to,
  at: new Date(0),
  by: 'test',
  messageId: null,
});

const requestIn = (status: RequestStatus): BackupRequest => ({
  ...newBackupRequest('r-1', aNewRequest(), new Date(0)),
  statusTypeCode: status,
});
const backup = (id = 'b-1') =>
  backupFromReply(id, requestIn('Sent'), aBackupJob(), aStoreStatusReply('r-1'));

describe('LEGAL_STATUS_MOVES', () => {
  it('lists exactly the moves transition makes', () => {
    const moves = REQUEST_STATUSES.flatMap((from) =>
      REQUEST_EVENTS.map((event) => transition(from, event)).flatMap((result) =>
        result.outcome === 'move' ? [`${result.from}->${result.to}`] : [],
      ),
    );
    expect(new Set(moves)).toEqual(new Set(LEGAL_STATUS_MOVES.map(([f, t]) => `${f}->${t}`)));
  });
});

describe('journeyViolations', () => {
  it('finds nothing wrong with a legal journey', () => {
    const history = [row(null, 'Received'), row('Received', 'Allowed'), row('Allowed', 'Sent')];
    expect(journeyViolations(requestIn('Sent'), history, [])).toEqual([]);
    const succeeded = [...history, row('Sent', 'Failed'), row('Failed', 'Succeeded')];
    expect(journeyViolations(requestIn('Succeeded'), succeeded, [backup()])).toEqual([]);
  });

  it('accepts the Sent→Sent rows of resends after a reply deadline', () => {
    const history = [row(null, 'Received'), row('Received', 'Allowed'), row('Allowed', 'Sent')];
    const resent = [...history, row('Sent', 'Sent'), row('Sent', 'Sent'), row('Sent', 'Failed')];
    expect(journeyViolations(requestIn('Failed'), resent, [])).toEqual([]);
    const elsewhere = [...history, row('Sent', 'Failed'), row('Failed', 'Failed')];
    expect(journeyViolations(requestIn('Failed'), elsewhere, []).join()).toContain('illegal');
  });

  it.each([
    [
      'an illegal move',
      'Sent',
      [row(null, 'Received'), row('Received', 'Sent')],
      [],
      'illegal move',
    ],
    [
      'a backwards move',
      'Sent',
      [
        row(null, 'Received'),
        row('Received', 'Allowed'),
        row('Allowed', 'Sent'),
        row('Sent', 'Allowed'),
        row('Allowed', 'Sent'),
      ],
      [],
      'backwards Sent -> Allowed',
    ],
    [
      'a broken chain',
      'Failed',
      [row(null, 'Received'), row('Received', 'Allowed'), row('Sent', 'Failed')],
      [],
      'move from Sent after reaching Allowed',
    ],
    ['a missing creation row', 'Allowed', [row('Received', 'Allowed')], [], 'does not start'],
    [
      'a history that ends elsewhere',
      'Sent',
      [row(null, 'Received')],
      [],
      'history ends at Received',
    ],
    [
      'two Backups',
      'Succeeded',
      [row(null, 'Received'), row('Received', 'Allowed'), row('Allowed', 'Succeeded')],
      [backup('b-1'), backup('b-2')],
      '2 Backups',
    ],
    [
      'Succeeded without a Backup',
      'Succeeded',
      [row(null, 'Received'), row('Received', 'Allowed'), row('Allowed', 'Succeeded')],
      [],
      'with 0 Backup',
    ],
    [
      'a Backup without Succeeded',
      'Failed',
      [row(null, 'Received'), row('Received', 'Allowed'), row('Allowed', 'Failed')],
      [backup()],
      'status Failed with 1 Backup',
    ],
  ] as const)('reports %s', (_what, status, history, backups, expected) => {
    const problems = journeyViolations(requestIn(status), history, backups);
    expect(problems.join('\n')).toContain(expected);
  });

  it('accepts a final row exactly when it is a legal move or a resend', () => {
    const pathTo: Record<RequestStatus, StatusHistoryEntry[]> = {
      Received: [],
      Allowed: [row('Received', 'Allowed')],
      NotAllowed: [row('Received', 'NotAllowed')],
      Sent: [row('Received', 'Allowed'), row('Allowed', 'Sent')],
      Failed: [row('Received', 'Allowed'), row('Allowed', 'Failed')],
      Succeeded: [row('Received', 'Allowed'), row('Allowed', 'Succeeded')],
    };
    for (const from of REQUEST_STATUSES) {
      for (const to of REQUEST_STATUSES) {
        const history = [row(null, 'Received'), ...pathTo[from], row(from, to)];
        const backups = to === 'Succeeded' ? [backup()] : [];
        const problems = journeyViolations(requestIn(to), history, backups);
        expect({ from, to, legal: problems.length === 0 }).toEqual({
          from,
          to,
          legal: isLegalStatusMove(from, to) || isResendEntry(from, to),
        });
      }
    }
  });
});
