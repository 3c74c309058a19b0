import {
  isRequestStatus,
  isTerminalStatus,
  REDRIVABLE_STATUSES,
  REQUEST_STATUSES,
  STATUS_RANK,
} from './request-status';

describe('request statuses', () => {
  it('treats exactly NotAllowed, Succeeded and Failed as terminal', () => {
    expect(REQUEST_STATUSES.filter(isTerminalStatus)).toEqual([
      'NotAllowed',
      'Succeeded',
      'Failed',
    ]);
  });

  it('re-drives only the statuses that wait on one of our own messages', () => {
    expect(REDRIVABLE_STATUSES).toEqual(['Received', 'Allowed']);
  });

  it('ranks Succeeded above Failed so a late Succeeded reply can overtake a Failed one', () => {
    expect(STATUS_RANK.Succeeded).toBeGreaterThan(STATUS_RANK.Failed);
    expect(STATUS_RANK.Failed).toBeGreaterThan(STATUS_RANK.Sent);
  });

  it('recognises the known statuses and nothing else', () => {
    expect(REQUEST_STATUSES.every(isRequestStatus)).toBe(true);
    expect(['received', 'Done', '', null, 3].some(isRequestStatus)).toBe(false);
  });
});
