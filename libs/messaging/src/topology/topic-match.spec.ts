import fc from 'fast-check';
import { topicMatches } from './topic-match';

describe('topicMatches', () => {
  it.each([
    ['backup-request.received', 'backup-request.received', true],
    ['backup-request.*', 'backup-request.received', true],
    ['backup-request.*', 'backup-request', false],
    ['backup-request.*', 'backup-request.a.b', false],
    ['backup-request.#', 'backup-request', true],
    ['#', 'anything.at.all', true],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.z', 'a.b.c', false],
    ['*.received', 'store-status.received', true],
  ])('%s matches %s: %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });

  it('matches a literal pattern exactly when it equals the key', () => {
    const word = fc.stringMatching(/^[a-z]{1,4}$/);
    const key = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join('.'));
    fc.assert(fc.property(key, key, (a, b) => topicMatches(a, b) === (a === b)));
  });
});
