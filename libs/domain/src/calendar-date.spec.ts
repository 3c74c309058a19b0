import { ValidationError } from './errors/domain-errors';
import { addCalendarDays, isCalendarDate } from './calendar-date';

describe('isCalendarDate', () => {
  it.each([
    '2024-02-29',
    '2000-02-29',
    '2023-02-28',
    '2023-12-31',
    '2023-01-31',
    '2023-04-30',
    '0001-01-01',
    '0050-06-15',
    '9999-12-31',
  ])('accepts the real date %s', (value) => {
    expect(isCalendarDate(value)).toBe(true);
  });

  it.each([
    ['2023-02-29', 'Feb 29 outside a leap year'],
    ['1900-02-29', 'Feb 29 in a century year not divisible by 400'],
    ['2024-02-30', 'Feb 30'],
    ['2023-04-31', 'April 31'],
    ['2023-13-01', 'month 13'],
    ['2023-00-10', 'month 0'],
    ['2023-01-00', 'day 0'],
    ['2023-01-32', 'day 32'],
    ['0000-01-01', 'year 0'],
    ['2023-1-01', 'a one-digit month'],
    ['23-01-01', 'a two-digit year'],
    ['+02023-01-01', 'an expanded year'],
    ['2023-01-01T00:00:00Z', 'a timestamp'],
    ['2023-01-01 ', 'trailing space'],
    ['2023/01/01', 'slashes'],
    ['', 'the empty string'],
  ])('rejects %s (%s)', (value) => {
    expect(isCalendarDate(value)).toBe(false);
  });
});

describe('addCalendarDays', () => {
  it.each([
    ['2024-02-28', 1, '2024-02-29', 'into a leap day'],
    ['2023-02-28', 1, '2023-03-01', 'over February in a common year'],
    ['2024-02-29', 365, '2025-02-28', 'a year from a leap day'],
    ['2024-02-29', 366, '2025-03-01', 'a leap year from a leap day'],
    ['2024-01-31', 1, '2024-02-01', 'over a month end'],
    ['2023-12-31', 1, '2024-01-01', 'over a year end'],
    ['2024-03-01', -1, '2024-02-29', 'backwards into a leap day'],
    ['2024-01-01', 0, '2024-01-01', 'zero days'],
    ['2024-03-15', 30, '2024-04-14', 'a month of retention'],
    ['2024-03-15', 3650, '2034-03-13', 'ten years (two leap days)'],
    ['2000-01-01', 36524, '2099-12-31', 'about a century'],
    ['0099-12-31', 1, '0100-01-01', 'from year 99 into year 100'],
    ['0100-01-01', -1, '0099-12-31', 'back into a two-digit year'],
    ['9999-12-30', 1, '9999-12-31', 'up to the last writable day'],
  ])('%s + %i days = %s (%s)', (date, days, expected) => {
    expect(addCalendarDays(date, days)).toBe(expected);
    expect(isCalendarDate(addCalendarDays(date, days))).toBe(true);
  });

  it('rejects a result beyond 9999-12-31 instead of writing a six-digit year', () => {
    expect(() => addCalendarDays('9999-12-31', 1)).toThrow(ValidationError);
    expect(() => addCalendarDays('2024-01-01', 3_000_000)).toThrow(ValidationError);
  });

  it('rejects a result before 0001-01-01', () => {
    expect(() => addCalendarDays('0001-01-01', -1)).toThrow(ValidationError);
  });

  it('rejects a day count so large that no Date can hold the result, with a typed error', () => {
    expect(() => addCalendarDays('2024-01-01', 1e12)).toThrow(ValidationError);
    expect(() => addCalendarDays('2024-01-01', -1e12)).toThrow(ValidationError);
  });

  it('rejects a date that is not a calendar date', () => {
    expect(() => addCalendarDays('2023-02-29', 1)).toThrow(ValidationError);
  });

  it.each([0.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %p days', (days) => {
    expect(() => addCalendarDays('2024-01-01', days)).toThrow(ValidationError);
  });

  describe('whatever the host time zone', () => {
    const originalTz = process.env['TZ'];
    afterEach(() => {
      if (originalTz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = originalTz;
    });

    // Days over the 2024 DST changes of each zone: a local-time implementation gains or
    // loses an hour there and, at midnight, lands on the neighbouring day.
    it.each([
      'Europe/Berlin',
      'America/New_York',
      'America/Sao_Paulo',
      'Australia/Lord_Howe',
      'Pacific/Kiritimati',
    ])('gives the same dates in %s, across daylight-saving changes', (zone) => {
      process.env['TZ'] = zone;
      expect(addCalendarDays('2024-03-30', 1)).toBe('2024-03-31');
      expect(addCalendarDays('2024-03-31', 1)).toBe('2024-04-01');
      expect(addCalendarDays('2024-03-09', 2)).toBe('2024-03-11');
      expect(addCalendarDays('2024-10-26', 2)).toBe('2024-10-28');
      expect(addCalendarDays('2024-11-02', 2)).toBe('2024-11-04');
      expect(addCalendarDays('2024-01-01', 366)).toBe('2025-01-01');
      expect(isCalendarDate('2024-03-31')).toBe(true);
    });
  });
});
