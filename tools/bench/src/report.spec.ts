import { batchSection, gcSection, onCpuSection, postNote, warmUpNote } from './report';

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

describe('batchSection', () => {
  const run = { pipeline: 'linebacker', interfaceTransport: 'amqp', instances: 2 } as const;

  it('is empty when no run counted batches (the lean pipeline has none)', () => {
    expect(batchSection([{ ...run, pipeline: 'lean' }])).toEqual([]);
  });

  it('has a row per run, app and kind with the count and the mean size', () => {
    const lines = batchSection([
      {
        ...run,
        batchSizes: {
          'check-allowed changes': { batches: 400, mean: 12.5 },
          'notifier relay': { batches: 900, mean: 0.8 },
        },
      },
    ]);
    expect(lines).toContain('### Group-commit batches and relay takes (warm-up included)');
    const rows = lines.filter((line) => line.includes('linebacker x2'));
    expect(rows).toHaveLength(1);
    const table = rows[0] as string;
    expect(table).toMatch(/linebacker x2 \| check-allowed \| changes \| 400 \| 12\.5/);
    expect(table).toMatch(/linebacker x2 \| notifier \| relay \| 900 \| 0\.8/);
  });
});

describe('gcSection', () => {
  it('has a row per run, app and kind of collection, and none without figures', () => {
    const run = { pipeline: 'linebacker', interfaceTransport: 'amqp', instances: 1 } as const;
    expect(gcSection([run])).toEqual([]);
    const table = gcSection([
      { ...run, gcSeconds: { 'notifier major': 0.42, 'notifier minor': 1.5 } },
    ]).at(-1) as string;
    expect(table.split('\n').slice(2)).toEqual([
      '| linebacker x1 | notifier | major | 0.42 |',
      '| linebacker x1 | notifier | minor | 1.5 |',
    ]);
  });
});

describe('run labels with rounds', () => {
  it('keeps the rounds of one run apart in every table', () => {
    const run = { pipeline: 'linebacker', interfaceTransport: 'amqp', instances: 1 } as const;
    const table = gcSection([
      { ...run, round: 1, gcSeconds: { 'notifier minor': 1.5 } },
      { ...run, round: 2, gcSeconds: { 'notifier minor': 1.1 } },
    ]).at(-1) as string;
    expect(table.split('\n').slice(2)).toEqual([
      '| linebacker x1 #1 | notifier | minor | 1.5 |',
      '| linebacker x1 #2 | notifier | minor | 1.1 |',
    ]);
  });
});

describe('postNote', () => {
  it('names the pace of a paced run, and only the calls in flight otherwise', () => {
    expect(postNote({ postRate: 150, postConcurrency: 32 })).toBe(
      'posted at 150/s with at most 32 in flight',
    );
    expect(postNote({ postRate: 0, postConcurrency: 32 })).toBe('posted with 32 in flight');
    // Results from before the option carry no pace.
    expect(postNote({ postConcurrency: 8 })).toBe('posted with 8 in flight');
  });
});

describe('warmUpNote', () => {
  it('counts per instance with the VACUUM since it does, per run in older results', () => {
    expect(warmUpNote({ warmUp: 10000, warmUpPerInstance: true })).toBe(
      'warm-up 10000 requests per instance, then VACUUM',
    );
    expect(warmUpNote({ warmUp: 20000 })).toBe('warm-up 20000 requests per run');
    expect(warmUpNote({ warmUp: 0, warmUpPerInstance: true })).toBe('no warm-up');
    expect(warmUpNote({})).toBe('no warm-up');
  });
});
