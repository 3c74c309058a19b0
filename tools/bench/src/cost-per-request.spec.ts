import { costPerRequest } from './run-benchmark';

describe('costPerRequest', () => {
  it('adds the apps, RabbitMQ and PostgreSQL, leaving out simulators, the bench and other users', () => {
    const cpuMsPerRequestByRole = {
      'http-receiver': 0.48,
      'check-allowed': 0.46,
      'send-to-interface': 0.41,
      'interface-receiver': 0.28,
      'receive-status': 0.37,
      notifier: 0.27,
      recovery: 0.02,
      rabbitmq: 1.68,
      postgres: 1.37,
      'postgres-all': 1.38,
      'sim-backup-job-service': 0.09,
      'sim-backup-interface': 0.19,
      bench: 0.27,
    };
    expect(costPerRequest({ cpuMsPerRequestByRole })).toBe(5.34);
  });

  it('counts a role that did not run as nothing', () => {
    expect(costPerRequest({ cpuMsPerRequestByRole: { rabbitmq: 1, postgres: 2 } })).toBe(3);
  });
});
