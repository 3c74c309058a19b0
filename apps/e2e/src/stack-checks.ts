import { expect } from '@jest/globals';
import { connect } from 'amqplib';
import type { Client } from 'pg';
import type { InterfaceSimulatorStats } from '@linebacker/simulators';
import {
  namespaceQueueDepths,
  outcomeViolations,
  unfinishedCount,
  type AcceptedRequest,
  type ProcessStack,
} from '@linebacker/testing';
import { FIXTURE_JOBS, pollUntil } from './traffic';

/**
 * Waits up to `timeoutMs` for every accepted request to be terminal, then requires each
 * outcome to be legal (journey, Backup, notification); returns the outcome counts and how many
 * requests named an active job.
 */
export async function settledOutcomes(
  db: Client,
  accepted: readonly AcceptedRequest[],
  timeoutMs: number,
) {
  const ids = accepted.map((request) => request.backupRequestId);
  const finished = await pollUntil(
    async () => (await unfinishedCount(db, ids)) === 0,
    timeoutMs,
    500,
  );
  expect({ finished, unfinished: await unfinishedCount(db, ids) }).toEqual({
    finished: true,
    unfinished: 0,
  });
  const { problems, summary } = await outcomeViolations(db, accepted, FIXTURE_JOBS);
  expect(problems.slice(0, 25)).toEqual([]);
  const allowed = accepted.filter((request) =>
    FIXTURE_JOBS.some((job) => job.isActive && job.backupJobId === request.backupJobId),
  ).length;
  return { summary, allowed };
}

/** The interface simulator's counters, as its `/stats` serves them. */
export type InterfaceStats = InterfaceSimulatorStats;

/** Reads the interface simulator's `/stats`. */
export async function interfaceStats(interfaceUrl: string): Promise<InterfaceStats> {
  return (await (await fetch(`${interfaceUrl}/stats`)).json()) as InterfaceStats;
}

/**
 * Every queue of the namespace with its depth once all are empty, or as they are after
 * `timeoutMs` (quorum queue counts lag their acks by a moment, so one look is not enough).
 */
export async function settledQueueDepths(
  namespace: string,
  timeoutMs = 15_000,
): Promise<Record<string, number>> {
  let depths: Record<string, number> = {};
  await pollUntil(
    async () => {
      depths = await namespaceQueueDepths(namespace);
      return Object.values(depths).every((n) => n === 0);
    },
    timeoutMs,
    1000,
  );
  return depths;
}

/** The queues of `depths` that still hold messages. */
export function nonEmpty(depths: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(depths).filter(([, n]) => n !== 0));
}

/** Drops every message of one queue: the test's stand-in for a broker that lost them. */
export async function purgeQueue(amqpUrl: string, queue: string): Promise<number> {
  const connection = await connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    return (await channel.purgeQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

/** The request ids the notifier instances logged an end state for. */
export function notifiedRequestIds(stack: ProcessStack): Set<string> {
  return new Set(
    stack
      .linesOf('notifier', (line) => line['message'] === 'backup request ended')
      .map((line) => String(line['requestId'])),
  );
}

/**
 * Says how long each phase of a long test took, for the test to log as the phase ends, so a
 * run that fails on a slow machine shows in its output which phase the time went to.
 */
export function phaseClock(): { lap(phase: string): string } {
  const start = Date.now();
  let last = start;
  return {
    lap(phase) {
      const now = Date.now();
      const seconds = (ms: number) => (ms / 1000).toFixed(1);
      const line = `${phase} after ${seconds(now - last)} s (${seconds(now - start)} s in all)`;
      last = now;
      return line;
    },
  };
}
