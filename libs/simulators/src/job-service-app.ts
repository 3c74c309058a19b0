import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import type { BackupJob } from '@linebacker/domain';

/** A fault the simulator injects into job lookups (for chaos runs and tests). */
export type JobServiceFault =
  { mode: 'none' } | { mode: 'error'; status: number } | { mode: 'slow'; delayMs: number };

/** Counters the simulator exposes. */
export interface JobServiceStats {
  lookups: number;
  notFound: number;
  faulted: number;
}

/**
 * The backup job service simulator: `GET /backup-jobs/:id` answers from a fixture (200 or
 * 404); `PUT /admin/fault` injects errors or slowness; `GET /admin/stats` reports counts.
 */
export function buildJobServiceApp(jobs: readonly BackupJob[]): FastifyInstance {
  const byId = new Map(jobs.map((job) => [job.backupJobId, job]));
  const stats: JobServiceStats = { lookups: 0, notFound: 0, faulted: 0 };
  let fault: JobServiceFault = { mode: 'none' };
  const app = Fastify({ logger: false });

  app.get<{ Params: { id: string } }>('/backup-jobs/:id', async (request, reply) => {
    stats.lookups += 1;
    if (fault.mode === 'error') {
      stats.faulted += 1;
      return reply.status(fault.status).send({ message: 'injected fault' });
    }
    if (fault.mode === 'slow') {
      stats.faulted += 1;
      await sleep(fault.delayMs);
    }
    const job = byId.get(request.params.id);
    if (!job) {
      stats.notFound += 1;
      return reply.status(404).send({ message: `no backup job ${request.params.id}` });
    }
    return job;
  });
  app.put<{ Body: JobServiceFault }>('/admin/fault', async (request) => {
    fault = request.body;
    return { fault };
  });
  app.get('/admin/stats', async () => ({ ...stats, fault }));
  app.get('/livez', async () => ({ status: 'ok' }));
  return app;
}

/** Reads and checks a jobs fixture (a JSON array of BackupJob). */
export function parseJobsFixture(text: string): BackupJob[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error('the jobs fixture must be a JSON array');
  return parsed.map((job, index) => {
    if (typeof job?.backupJobId !== 'string' || typeof job?.isActive !== 'boolean') {
      throw new Error(`job #${index} needs at least backupJobId (string) and isActive (boolean)`);
    }
    return job as BackupJob;
  });
}
