import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupJob } from '@linebacker/domain';
import { JOBS_FIXTURE } from '@linebacker/testing';
import type { Random } from './prng';

/** The jobs the job service simulator serves in a chaos run. */
export const CHAOS_JOBS: readonly BackupJob[] = JSON.parse(
  readFileSync(JOBS_FIXTURE, 'utf8'),
) as BackupJob[];

/** One POST of the workload: valid ones should be accepted, invalid ones must get a 4xx. */
export interface Operation {
  op: number;
  valid: boolean;
  body: Record<string, unknown>;
  /** `backupDataLocation`, unique per operation: maps a stored row back to its call. */
  location: string;
  backupJobId: string;
}

/** What one POST got: an HTTP status, or `timeout` / `error` when no answer came. */
export interface HistoryEntry {
  op: number;
  valid: boolean;
  location: string;
  backupJobId: string;
  receiver: string;
  startedAt: number;
  endedAt: number;
  /** HTTP status, or -1 when the call got no answer. */
  status: number;
  outcome: 'accepted' | 'rejected' | 'server-error' | 'timeout' | 'error';
  backupRequestId?: string;
  error?: string;
}

const DATES = ['2024-02-29', '2023-12-31', '2024-01-01', '2025-06-15'];

/**
 * The `op`-th operation of a run: 6 in 10 for active jobs, 2 for the inactive one, 1 for an
 * unknown job id and 1 invalid body (a date that does not exist, or an unknown field).
 */
export function operation(op: number, random: Random, runId: string): Operation {
  const active = CHAOS_JOBS.filter((job) => job.isActive).map((job) => job.backupJobId);
  const inactive = CHAOS_JOBS.filter((job) => !job.isActive).map((job) => job.backupJobId);
  const slot = random.int(0, 9);
  const location = `/prepared/chaos/${runId}/${op}`;
  const backupJobId =
    slot < 6 ? random.pick(active) : slot < 8 ? random.pick(inactive) : `job-unknown-${op}`;
  const body: Record<string, unknown> = {
    apiVersion: '2022-05-22',
    backupJobId,
    dataDate: random.pick(DATES),
    backupDataLocation: location,
  };
  const valid = slot !== 9;
  if (!valid) {
    if (random.chance(0.5)) body['dataDate'] = '2023-02-30';
    else body['priority'] = 'high';
  }
  return { op, valid, body, location, backupJobId };
}

const outcomeOf = (status: number): HistoryEntry['outcome'] =>
  status === 202 ? 'accepted' : status >= 400 && status < 500 ? 'rejected' : 'server-error';

/** Posts one operation to one receiver and records what came back. */
export async function postOperation(
  receiverUrl: string,
  operation: Operation,
  timeoutMs: number,
): Promise<HistoryEntry> {
  const base = {
    op: operation.op,
    valid: operation.valid,
    location: operation.location,
    backupJobId: operation.backupJobId,
    receiver: receiverUrl,
    startedAt: Date.now(),
  };
  try {
    const response = await fetch(`${receiverUrl}/api/backup-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(operation.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let id: string | undefined;
    try {
      const parsed = JSON.parse(text) as { backupRequestId?: unknown };
      if (typeof parsed.backupRequestId === 'string') id = parsed.backupRequestId;
    } catch {
      // A non-JSON body is recorded by its status alone.
    }
    return {
      ...base,
      endedAt: Date.now(),
      status: response.status,
      outcome: outcomeOf(response.status),
      ...(response.status === 202 && id ? { backupRequestId: id } : {}),
    };
  } catch (error) {
    const name = (error as Error).name;
    return {
      ...base,
      endedAt: Date.now(),
      status: -1,
      outcome: name === 'TimeoutError' ? 'timeout' : 'error',
      // fetch's own message is just "fetch failed"; the cause says what the socket saw.
      error:
        `${String((error as Error).message ?? error)}: ${String((error as Error).cause ?? '')}`.slice(
          0,
          200,
        ),
    };
  }
}

/** How the workload runs. */
export interface WorkloadOptions {
  requests: number;
  ratePerSecond: number;
  timeoutMs: number;
  runId: string;
  historyFile: string;
  /** The receivers alive right now (the workload spreads calls over them). */
  receivers(): string[];
  /**
   * Asked once `requests` are posted: while it says so, posting goes on at the same rate (up
   * to three times `requests` in all), so that faults running late still meet calls.
   */
  keepPosting?(): boolean;
}

/**
 * Posts `requests` operations (or more, see `keepPosting`) at a steady rate (not waiting for answers, like real clients),
 * appending every outcome to the JSONL history file as it arrives.
 */
export async function runWorkload(
  options: WorkloadOptions,
  random: Random,
): Promise<HistoryEntry[]> {
  const out: WriteStream = createWriteStream(options.historyFile, { flags: 'w' });
  const history: HistoryEntry[] = [];
  const pending: Promise<void>[] = [];
  const intervalMs = 1000 / options.ratePerSecond;
  const start = Date.now();
  let turn = 0;
  const more = () => options.keepPosting?.() ?? false;
  for (let op = 0; op < options.requests || (op < 3 * options.requests && more()); op++) {
    const wait = start + op * intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    const operationToPost = operation(op, random, options.runId);
    const receivers = options.receivers();
    const receiver = receivers[turn++ % Math.max(1, receivers.length)];
    const call = receiver
      ? postOperation(receiver, operationToPost, options.timeoutMs)
      : Promise.resolve<HistoryEntry>({
          op,
          valid: operationToPost.valid,
          location: operationToPost.location,
          backupJobId: operationToPost.backupJobId,
          receiver: 'none',
          startedAt: Date.now(),
          endedAt: Date.now(),
          status: -1,
          outcome: 'error',
          error: 'no receiver running',
        });
    pending.push(
      call.then((entry) => {
        history.push(entry);
        out.write(`${JSON.stringify(entry)}\n`);
      }),
    );
  }
  await Promise.all(pending);
  await new Promise<void>((resolve) => out.end(resolve));
  return history.sort((a, b) => a.op - b.op);
}

/** Reads a JSONL history file back. */
export function readHistory(file: string): HistoryEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as HistoryEntry);
}
