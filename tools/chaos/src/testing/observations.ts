import type { MoveRow } from '@linebacker/testing';
import type { Observation, StoredRequest } from '../checker';
import type { FaultRecord } from '../nemesis';
import type { HistoryEntry } from '../workload';
import { CHAOS_JOBS } from '../workload';

const T0 = 1_800_000_000_000;

/** One request's life as a test states it: what the call got and what the database holds. */
export interface JourneySpec {
  id: string;
  op: number;
  backupJobId: string;
  /** The status path after Received (e.g. ['Allowed', 'Sent', 'Succeeded']). */
  path: string[];
  status?: number;
}

const call = (spec: JourneySpec): HistoryEntry => ({
  op: spec.op,
  valid: true,
  location: `/prepared/chaos/t/${spec.op}`,
  backupJobId: spec.backupJobId,
  receiver: 'http://127.0.0.1:1',
  startedAt: T0 + spec.op * 100,
  endedAt: T0 + spec.op * 100 + 20,
  status: spec.status ?? 202,
  outcome: (spec.status ?? 202) === 202 ? 'accepted' : 'rejected',
  ...((spec.status ?? 202) === 202 ? { backupRequestId: spec.id } : {}),
});

const jobOf = (id: string) => CHAOS_JOBS.find((job) => job.backupJobId === id);

/**
 * A consistent observation of a run in which every listed request went its path: stored
 * rows, history rows, one Backup per Succeeded, one interface attempt per sent request, a
 * notification per end state, empty queues. Tests then break one thing at a time.
 */
export function observationOf(specs: readonly JourneySpec[]): Observation {
  const stored: StoredRequest[] = [];
  const moves: MoveRow[] = [];
  const requests: Observation['rows']['requests'] = [];
  const backups: Observation['rows']['backups'] = [];
  const attempts: Record<string, number> = {};
  const notified = new Set<string>();
  for (const spec of specs) {
    const status = spec.path.at(-1) ?? 'Received';
    const job = jobOf(spec.backupJobId);
    stored.push({
      backup_request_id: spec.id,
      prepared_data_path_name: `/prepared/chaos/t/${spec.op}`,
      status_type_code: status,
    });
    requests.push({
      backup_request_id: spec.id,
      backup_job_id: spec.backupJobId,
      status_type_code: status,
      backup_provider_code: job && spec.path.includes('Allowed') ? job.backupProviderCode : null,
      storage_path_name: job && spec.path.includes('Allowed') ? job.storagePathName : null,
    });
    let from: string | null = null;
    for (const to of ['Received', ...spec.path]) {
      moves.push({
        backup_request_id: spec.id,
        from_status_type_code: from,
        to_status_type_code: to,
      });
      from = to;
    }
    if (status === 'Succeeded') backups.push({ backup_request_id: spec.id, n: 1, same_job: true });
    if (spec.path.includes('Sent')) attempts[spec.id] = 1;
    if (['NotAllowed', 'Succeeded', 'Failed'].includes(status)) notified.add(spec.id);
  }
  return {
    history: specs.map(call),
    jobs: CHAOS_JOBS,
    stored,
    rows: { requests, backups, moves },
    sendWindows: [],
    interfaceAttempts: attempts,
    mismatchedMessageIds: 0,
    interfaceOwnRedeliveries: 0,
    notified,
    queues: { 'chaos.check-allowed.backup-request.received': 0 },
    deadLetters: [],
    outboxBacklog: 0,
    faults: [],
    selfCrashes: [],
    badGracefulExits: [],
    lastHealAt: T0 + 60_000,
    lastTerminalAt: T0 + 70_000,
  };
}

/** Three requests that ended well: Succeeded, Failed and NotAllowed. */
export function healthyRun(): Observation {
  return observationOf([
    {
      id: '00000000-0000-4000-8000-000000000001',
      op: 0,
      backupJobId: 'job-active-local',
      path: ['Allowed', 'Sent', 'Succeeded'],
    },
    {
      id: '00000000-0000-4000-8000-000000000002',
      op: 1,
      backupJobId: 'job-active-cloud-a',
      path: ['Allowed', 'Sent', 'Failed'],
    },
    {
      id: '00000000-0000-4000-8000-000000000003',
      op: 2,
      backupJobId: 'job-inactive',
      path: ['NotAllowed'],
    },
  ]);
}

/** A fault record at `at` ms after the observation's epoch. */
export function faultAt(
  kind: FaultRecord['kind'],
  at: number,
  ms: number,
  targetApp?: string,
): FaultRecord {
  return {
    kind,
    startedAt: T0 + at,
    healedAt: T0 + at + ms,
    ...(targetApp ? { targetApp, target: `${targetApp}#1` } : {}),
  };
}

/** The observation's epoch (ms). */
export const EPOCH = T0;
