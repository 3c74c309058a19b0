import { onCpuSection } from './report';

describe('onCpuSection', () => {
  const run = { pipeline: 'linebacker', interfaceTransport: 'amqp', instances: 1 } as const;

  it('is empty when no run was recorded with perf', () => {
    expect(onCpuSection([run])).toEqual([]);
  });

  it('lists each run under its label with its perf lines', () => {
    const lines = onCpuSection([
      { ...run, onCpuSamples: ['notifier#1: 10 samples, kernel 20.0 %; app 50.0 %'] },
      { ...run, pipeline: 'lean', onCpuSamples: [] },
    ]);
    expect(lines).toContain('### On-CPU samples per process (perf)');
    expect(lines.slice(-5)).toEqual([
      '',
      'linebacker x1:',
      '- notifier#1: 10 samples, kernel 20.0 %; app 50.0 %',
      '',
      'lean x1:',
    ]);
  });
});
