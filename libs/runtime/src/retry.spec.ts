import { cachedSingleFlight, retryWithBackoff } from './retry';

describe('retryWithBackoff', () => {
  it('returns the first success and reports each retry', async () => {
    const retries: number[] = [];
    let calls = 0;
    const result = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
        return 'done';
      },
      {
        attempts: 5,
        initialDelayMs: 1,
        maxDelayMs: 1,
        sleep: async () => undefined,
        onRetry: (_e, a) => retries.push(a),
      },
    );
    expect(result).toBe('done');
    expect(retries).toEqual([1, 2]);
  });

  it('rethrows the last error when attempts run out', async () => {
    let calls = 0;
    await expect(
      retryWithBackoff(
        async () => {
          calls += 1;
          throw new Error(`failure ${calls}`);
        },
        { attempts: 3, initialDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined },
      ),
    ).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
  });

  it('stops at once on an error the caller says is not retryable', async () => {
    let calls = 0;
    await expect(
      retryWithBackoff(
        async () => {
          calls += 1;
          throw new Error(calls === 1 ? 'transient' : 'permanent');
        },
        {
          attempts: 5,
          initialDelayMs: 1,
          maxDelayMs: 1,
          sleep: async () => undefined,
          retryable: (error) => !String(error).includes('permanent'),
        },
      ),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(2);
  });
});

describe('cachedSingleFlight', () => {
  it('shares one run among concurrent callers and reuses it within the ttl', async () => {
    let runs = 0;
    let time = 0;
    const cached = cachedSingleFlight(
      async () => {
        runs += 1;
        return runs;
      },
      1000,
      () => time,
    );
    expect(await Promise.all([cached(), cached(), cached()])).toEqual([1, 1, 1]);
    time = 999;
    expect(await cached()).toBe(1);
    time = 2000;
    expect(await cached()).toBe(2);
    expect(runs).toBe(2);
  });

  it('does not keep a failure', async () => {
    let runs = 0;
    const cached = cachedSingleFlight(async () => {
      runs += 1;
      if (runs === 1) throw new Error('first fails');
      return runs;
    }, 60_000);
    await expect(cached()).rejects.toThrow('first fails');
    expect(await cached()).toBe(2);
  });
});
