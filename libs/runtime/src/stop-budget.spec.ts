import { settlesWithin, StopBudget } from './stop-budget';

describe('settlesWithin', () => {
  it('is true when the work settles in time, resolved or rejected', async () => {
    expect(await settlesWithin(Promise.resolve('done'), 1000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('refused')), 1000)).toBe(true);
  });

  it('is false once the time runs out on work that never settles', async () => {
    expect(await settlesWithin(new Promise(() => undefined), 20)).toBe(false);
    expect(await settlesWithin(new Promise(() => undefined), -5)).toBe(false);
  });
});

describe('StopBudget', () => {
  it('gives each step what the earlier ones left, never less than nothing', () => {
    let now = 1_000;
    const budget = new StopBudget(10_000, () => now);
    expect(budget.left()).toBe(10_000);
    now += 8_000;
    expect(budget.left()).toBe(2_000);
    now += 5_000;
    expect(budget.left()).toBe(0);
  });
});
