import { parseCpuTimes } from './proc-stats';

// Fields 14 and 15 of /proc/<pid>/stat (utime, stime) are the 12th and 13th after the name.
const statLine = (name: string, utime: number, stime: number): string =>
  `4242 (${name}) S 1 4242 4242 0 -1 4194560 2000 0 0 0 ${utime} ${stime} 0 0 20 0 11 0 ` +
  '5000 1200000000 30000 18446744073709551615';

describe('parseCpuTimes', () => {
  it('reads user and system time in seconds', () => {
    expect(parseCpuTimes(statLine('node', 1070, 181), 100)).toEqual({
      userSeconds: 10.7,
      systemSeconds: 1.81,
    });
  });

  it('finds the fields after a command name holding spaces and parentheses', () => {
    expect(parseCpuTimes(statLine('a) b (c', 250, 50), 100)).toEqual({
      userSeconds: 2.5,
      systemSeconds: 0.5,
    });
  });

  it('gives up on a line it cannot read', () => {
    expect(parseCpuTimes('', 100)).toBeUndefined();
    expect(parseCpuTimes('4242 (node) S 1', 100)).toBeUndefined();
  });
});
