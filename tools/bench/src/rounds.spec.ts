import { byRound, hundredths, median, overRounds, tenths } from './rounds';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([0.93, 0.65, 0.8])).toBe(0.8);
    expect(median([0.9, 0.7, 0.8, 0.6])).toBeCloseTo(0.75);
    expect(median([])).toBeNaN();
  });
});

describe('byRound', () => {
  it('groups the runs by round in round order, a run without one in round 1', () => {
    const runs = [
      { name: 'x1', round: 2 },
      { name: 'x2', round: 1 },
      { name: 'x1' },
      { name: 'x2', round: 2 },
    ];
    expect(byRound(runs).map((round) => round.map((r) => r.name))).toEqual([
      ['x2', 'x1'],
      ['x1', 'x2'],
    ]);
  });
});

describe('overRounds', () => {
  it('reads as the value alone for one round', () => {
    expect(overRounds([0.784])).toEqual({ value: 0.78, text: '0.78' });
  });

  it('puts the unit after the value', () => {
    expect(overRounds([4.5], ' ms').text).toBe('4.5 ms');
    expect(overRounds([4.4, 5.4, 4.7], ' ms').text).toBe('4.7 ms (median of 4.4, 5.4, 4.7)');
  });

  it('reads as the median with every round for several', () => {
    expect(overRounds([0.75, 0.931, 0.81])).toEqual({
      value: 0.81,
      text: '0.81 (median of 0.75, 0.93, 0.81)',
    });
  });
});

describe('hundredths and tenths', () => {
  it('round to their place, as the summary writes figures', () => {
    expect(hundredths(4.705)).toBe(4.71);
    expect(hundredths(0.8249)).toBe(0.82);
    expect(tenths(348.45)).toBe(348.5);
    expect(tenths(37.34)).toBe(37.3);
    expect(tenths(2)).toBe(2);
  });
});
