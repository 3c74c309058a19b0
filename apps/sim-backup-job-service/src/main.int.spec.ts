import { startBundle } from '@linebacker/testing';

describe('sim-backup-job-service process', () => {
  it('serves the fixture jobs and stops cleanly on SIGTERM', async () => {
    const app = startBundle('sim-backup-job-service', { LINEBACKER_SIM_JOBS_PORT: '0' });
    try {
      const listening = await app.waitForLine((line) => line['message'] === 'listening');
      const response = await fetch(`${String(listening['address'])}/backup-jobs/job-active-local`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { isActive: boolean }).isActive).toBe(true);
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });

  it('exits 1 naming every bad setting', async () => {
    const app = startBundle('sim-backup-job-service', {
      LINEBACKER_SIM_JOBS_PORT: 'eighty',
      LINEBACKER_SIM_JOBS_FILE: '',
    });
    expect(await app.exited).toBe(1);
    const failure = await app.waitForLine((line) => line['outcome'] === 'bad-config');
    expect(failure['problems']).toEqual(['LINEBACKER_SIM_JOBS_PORT="eighty": not an integer']);
  });
});
