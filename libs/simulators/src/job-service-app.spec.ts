import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildJobServiceApp, parseJobsFixture } from './job-service-app';

const jobs = parseJobsFixture(readFileSync(join(__dirname, '..', 'fixtures', 'jobs.json'), 'utf8'));

describe('backup job service simulator', () => {
  it('answers fixture jobs with 200, unknown ids with 404, and counts lookups', async () => {
    const app = buildJobServiceApp(jobs);
    const active = await app.inject({ url: '/backup-jobs/job-active-local' });
    expect(active.statusCode).toBe(200);
    expect(active.json()).toMatchObject({ backupJobId: 'job-active-local', isActive: true });
    expect((await app.inject({ url: '/backup-jobs/job-inactive' })).json().isActive).toBe(false);
    expect((await app.inject({ url: '/backup-jobs/unknown' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/admin/stats' })).json()).toMatchObject({
      lookups: 3,
      notFound: 1,
    });
  });

  it('injects server errors until the fault is cleared', async () => {
    const app = buildJobServiceApp(jobs);
    await app.inject({
      method: 'PUT',
      url: '/admin/fault',
      payload: { mode: 'error', status: 503 },
    });
    expect((await app.inject({ url: '/backup-jobs/job-active-local' })).statusCode).toBe(503);
    await app.inject({ method: 'PUT', url: '/admin/fault', payload: { mode: 'none' } });
    expect((await app.inject({ url: '/backup-jobs/job-active-local' })).statusCode).toBe(200);
  });

  it('rejects a fixture that is not an array of jobs', () => {
    expect(() => parseJobsFixture('{}')).toThrow(/JSON array/);
    expect(() => parseJobsFixture('[{"backupJobId": 1}]')).toThrow(/job #0/);
  });
});
