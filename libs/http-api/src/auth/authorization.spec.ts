import { authorizeSubmission, normalizeLocation } from './authorization';
import type { Principal } from './principal';

const principal: Principal = {
  requesterId: 'team-a',
  scopes: [],
  jobs: new Set(['job-1']),
  locationPrefixes: ['/data/a/', '/srv/x'],
};
const window = { maxAgeDays: 10, maxAheadDays: 1 };
const now = new Date('2026-12-05T23:59:00Z');
const submit = (
  change: Partial<{ backupJobId: string; dataDate: string; backupDataLocation: string }>,
) =>
  authorizeSubmission(
    principal,
    { backupJobId: 'job-1', dataDate: '2026-12-05', backupDataLocation: '/data/a/set', ...change },
    window,
    now,
  );

describe('normalizeLocation', () => {
  it.each([
    ['/data//a/./b', '/data/a/b'],
    ['/data/a/', '/data/a/'],
    ['/', '/'],
    ['/./', '/'],
  ])('folds %s into %s', (given, expected) => expect(normalizeLocation(given)).toBe(expected));

  it.each(['relative/x', '/a/../b', '/a/..', '/a\\..\\b', '/a/\u0000', '/a/\u009b2J', ''])(
    'refuses %j',
    (given) => expect(() => normalizeLocation(given)).toThrow(/backupDataLocation/),
  );
});

describe('authorizeSubmission', () => {
  it('returns the canonical location of an allowed submission', () => {
    expect(submit({ backupDataLocation: '/srv/x' })).toBe('/srv/x');
    expect(submit({ backupDataLocation: '/srv/x/y/./z' })).toBe('/srv/x/y/z');
  });

  it('refuses a job outside the client’s set and a location outside its prefixes', () => {
    expect(() => submit({ backupJobId: 'job-2' })).toThrow(
      expect.objectContaining({ code: 'JobNotAllowed' }),
    );
    expect(() => submit({ backupDataLocation: '/srv/xy' })).toThrow(
      expect.objectContaining({ code: 'LocationNotAllowed' }),
    );
    expect(() => submit({ backupDataLocation: '/data/ab' })).toThrow(
      expect.objectContaining({ code: 'LocationNotAllowed' }),
    );
  });

  it('keeps the data date within the window around today (UTC)', () => {
    expect(submit({ dataDate: '2026-11-25' })).toBe('/data/a/set');
    expect(submit({ dataDate: '2026-12-06' })).toBe('/data/a/set');
    expect(() => submit({ dataDate: '2026-11-24' })).toThrow(/between 2026-11-25 and 2026-12-06/);
    expect(() => submit({ dataDate: '2026-12-07' })).toThrow(
      expect.objectContaining({ code: 'DataDateOutOfRange' }),
    );
  });
});
