import { SetAsideRows } from './set-aside-rows';

describe('SetAsideRows', () => {
  it('keeps a row aside for its period, then lets it be taken again', () => {
    const rows = new SetAsideRows({ firstMs: 100 });
    expect(rows.add('7', 1_000)).toBe(100);
    expect(rows.active(1_099)).toEqual(['7']);
    expect(rows.active(1_100)).toEqual([]);
  });

  it('doubles the period each time the same row fails again, up to the longest', () => {
    const rows = new SetAsideRows({ firstMs: 100, maxMs: 350 });
    expect([0, 1, 2, 3].map((n) => rows.add('7', n * 1_000))).toEqual([100, 200, 350, 350]);
    expect(rows.add('8', 0)).toBe(100);
  });

  it('forgets a row due back longer ago than the longest period: it was published or removed', () => {
    const rows = new SetAsideRows({ firstMs: 100, maxMs: 400 });
    rows.add('7', 0);
    rows.active(500); // due back at 100: still remembered at 500
    expect(rows.add('7', 500)).toBe(200);
    rows.active(1_200); // due back at 700: forgotten after 1,100
    expect(rows.add('7', 1_200)).toBe(100);
  });

  it('forgets a row once it was published', () => {
    const rows = new SetAsideRows({ firstMs: 100 });
    rows.add('7', 0);
    rows.published(['6', '7']);
    expect(rows.add('7', 200)).toBe(100);
  });

  it('makes room by forgetting the row due back first', () => {
    const rows = new SetAsideRows({ firstMs: 100, capacity: 2 });
    rows.add('1', 10);
    rows.add('2', 0);
    rows.add('3', 20);
    expect(rows.active(50).sort()).toEqual(['1', '3']);
  });
});
