import { Coalescer, togetherOrAlone, type Settled } from './coalescer';

/** A batch runner whose batches finish only when the test says so. */
function heldBatches() {
  const batches: string[][] = [];
  const releases: Array<() => void> = [];
  const runBatch = async (items: string[]): Promise<Settled<string>[]> => {
    batches.push(items);
    await new Promise<void>((resolve) => releases.push(resolve));
    return items.map((item) =>
      item.startsWith('bad')
        ? { ok: false, error: new Error(item) }
        : { ok: true, value: `<${item}>` },
    );
  };
  const releaseNext = async (): Promise<void> => {
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batches, runBatch, releaseNext };
}

const keyOf = (item: string): string => item.split('#')[0] ?? item;

/** Lets the current event-loop turn end, and with it the coalescer's gathering. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('starts a batch at the end of the turn, with every item submitted in that turn', async () => {
    const held = heldBatches();
    const coalescer = new Coalescer(held.runBatch, keyOf, { maxInFlight: 2, maxBatch: 10 });
    const first = ['a', 'b', 'c'].map((item) => coalescer.run(item));
    expect(held.batches).toEqual([]);
    await nextTurn();
    expect(held.batches).toEqual([['a', 'b', 'c']]);
    const second = coalescer.run('d');
    await nextTurn();
    expect(held.batches).toEqual([['a', 'b', 'c'], ['d']]);
    await held.releaseNext();
    expect(await Promise.all(first)).toEqual(['<a>', '<b>', '<c>']);
    await held.releaseNext();
    expect(await second).toBe('<d>');
  });

  it('with a linger, waits that long after the first item and takes what came meanwhile', async () => {
    jest.useFakeTimers();
    try {
      const batches: string[][] = [];
      const runBatch = async (items: string[]): Promise<Settled<string>[]> => {
        batches.push(items);
        return items.map((value) => ({ ok: true, value }));
      };
      const options = { maxInFlight: 2, maxBatch: 10, lingerMs: 5 };
      const coalescer = new Coalescer(runBatch, keyOf, options);
      const a = coalescer.run('a');
      await jest.advanceTimersByTimeAsync(3);
      const b = coalescer.run('b'); // turns later, within the linger
      await jest.advanceTimersByTimeAsync(1);
      expect(batches).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(batches).toEqual([['a', 'b']]);
      expect(await Promise.all([a, b])).toEqual(['a', 'b']);
      const c = coalescer.run('c');
      await jest.advanceTimersByTimeAsync(5);
      expect(batches).toEqual([['a', 'b'], ['c']]);
      expect(await c).toBe('c');
    } finally {
      jest.useRealTimers();
    }
  });

  it('gathers what arrives while every slot is busy into the next batch', async () => {
    const held = heldBatches();
    const coalescer = new Coalescer(held.runBatch, keyOf, { maxInFlight: 1, maxBatch: 10 });
    const first = coalescer.run('a');
    await nextTurn();
    const later = ['b', 'c'].map((item) => coalescer.run(item));
    await nextTurn();
    const last = coalescer.run('d');
    await nextTurn();
    expect(held.batches).toEqual([['a']]);
    await held.releaseNext();
    expect(await first).toBe('<a>');
    expect(held.batches).toEqual([['a'], ['b', 'c', 'd']]);
    await held.releaseNext();
    expect(await Promise.all([...later, last])).toEqual(['<b>', '<c>', '<d>']);
  });

  it('keeps up to maxInFlight batches running and caps their size', async () => {
    const held = heldBatches();
    const coalescer = new Coalescer(held.runBatch, keyOf, { maxInFlight: 2, maxBatch: 2 });
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((item) => coalescer.run(item));
    await nextTurn();
    expect(held.batches).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    await held.releaseNext();
    expect(held.batches).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    await held.releaseNext();
    await held.releaseNext();
    await held.releaseNext();
    expect(held.batches).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f'], ['g']]);
    expect(await Promise.all(all)).toEqual(['<a>', '<b>', '<c>', '<d>', '<e>', '<f>', '<g>']);
  });

  it('tells the size of each batch as it starts', async () => {
    const held = heldBatches();
    const sizes: number[] = [];
    const coalescer = new Coalescer(held.runBatch, keyOf, { maxInFlight: 1, maxBatch: 10 }, (n) =>
      sizes.push(n),
    );
    const first = ['a', 'b', 'c'].map((item) => coalescer.run(item));
    await nextTurn();
    expect(sizes).toEqual([3]);
    const later = ['d', 'e'].map((item) => coalescer.run(item));
    await held.releaseNext();
    expect(sizes).toEqual([3, 2]);
    await held.releaseNext();
    await Promise.all([...first, ...later]);
  });

  it('never puts two items with the same key in one batch, and keeps their order', async () => {
    const held = heldBatches();
    const coalescer = new Coalescer(held.runBatch, keyOf, { maxInFlight: 1, maxBatch: 10 });
    const all = ['x', 'a#1', 'b', 'a#2', 'c', 'a#3'].map((item) => coalescer.run(item));
    await nextTurn();
    expect(held.batches[0]).toEqual(['x', 'a#1', 'b', 'c']);
    await held.releaseNext();
    expect(held.batches[1]).toEqual(['a#2']);
    await held.releaseNext();
    expect(held.batches[2]).toEqual(['a#3']);
    await held.releaseNext();
    expect(await Promise.all(all)).toHaveLength(6);
  });

  it('rejects only the item whose result is an error', async () => {
    const held = heldBatches();
    const coalescer = new Coalescer(held.runBatch, keyOf, { maxInFlight: 1, maxBatch: 10 });
    const first = coalescer.run('a');
    const good = coalescer.run('b');
    const bad = coalescer.run('bad-c').catch((error: unknown) => error);
    await nextTurn();
    expect(held.batches).toEqual([['a', 'b', 'bad-c']]);
    await held.releaseNext();
    await expect(first).resolves.toBe('<a>');
    await expect(good).resolves.toBe('<b>');
    expect(await bad).toEqual(new Error('bad-c'));
  });

  it('rejects every item of a batch whose runner throws, and goes on with the next batch', async () => {
    let calls = 0;
    const coalescer = new Coalescer<string, string>(
      async (items) => {
        calls += 1;
        if (calls === 1) throw new Error('database down');
        return items.map((item) => ({ ok: true, value: item }));
      },
      keyOf,
      { maxInFlight: 1, maxBatch: 10 },
    );
    await expect(coalescer.run('a')).rejects.toThrow('database down');
    await expect(coalescer.run('b')).resolves.toBe('b');
  });
});

describe('togetherOrAlone', () => {
  const observer = () => {
    const seen = { failures: [] as Array<[string, number]> };
    return {
      seen,
      started: () => undefined,
      failed: (error: unknown, size: number) => seen.failures.push([String(error), size]),
    };
  };

  it('runs a batch together, and one item alone without trying it together', async () => {
    const calls: string[] = [];
    const together = async (items: readonly string[]) => {
      calls.push(`together ${items.join(',')}`);
      return items.map((item) => `<${item}>`);
    };
    const alone = async (item: string) => {
      calls.push(`alone ${item}`);
      return `(${item})`;
    };
    const seen = observer();
    expect(await togetherOrAlone(['a', 'b'], together, alone, seen)).toEqual([
      { ok: true, value: '<a>' },
      { ok: true, value: '<b>' },
    ]);
    expect(await togetherOrAlone(['c'], together, alone, seen)).toEqual([
      { ok: true, value: '(c)' },
    ]);
    expect(calls).toEqual(['together a,b', 'alone c']);
    expect(seen.seen.failures).toEqual([]);
  });

  it('reports a failed batch and gives each item its own outcome alone', async () => {
    const seen = observer();
    const outcomes = await togetherOrAlone(
      ['a', 'bad', 'c'],
      () => Promise.reject(new Error('batch broke')),
      async (item) => {
        if (item === 'bad') throw new Error(item);
        return item;
      },
      seen,
    );
    expect(outcomes).toEqual([
      { ok: true, value: 'a' },
      { ok: false, error: new Error('bad') },
      { ok: true, value: 'c' },
    ]);
    expect(seen.seen.failures).toEqual([['Error: batch broke', 3]]);
  });
});
