import { describe, expect, it } from '@jest/globals';
import { interpolate } from './interpolate';

describe('interpolate (Compose variable syntax)', () => {
  const env = { SET: 'value', EMPTY: '' };

  it('substitutes set variables, braced or bare, and keeps $$ as a literal dollar', () => {
    expect(interpolate('${SET}/$SET/$$SET', env)).toBe('value/value/$SET');
  });

  it('uses :- defaults for unset or empty variables and - defaults for unset ones only', () => {
    expect(interpolate('${MISSING:-a} ${EMPTY:-b} ${EMPTY-c} ${MISSING-d}', env)).toBe('a b  d');
  });

  it('reports a required variable left unset, with its message', () => {
    const problems: string[] = [];
    expect(interpolate('x${MISSING:?set the password}y', env, problems)).toBe('xy');
    expect(problems).toEqual(['${MISSING} must be set: set the password']);
  });

  it('turns an unset variable without a default into the empty string', () => {
    expect(interpolate('[${MISSING}]', env)).toBe('[]');
  });
});
