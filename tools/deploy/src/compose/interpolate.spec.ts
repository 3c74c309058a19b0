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

describe('interpolate with nested defaults', () => {
  it('expands substitutions inside a default, only when the default is used', () => {
    const env = { USER: 'me', URL: 'amqp://given' };
    expect(interpolate('${MISSING:-amqp://${USER}:${PASS:-pw}@mq}', env)).toBe('amqp://me:pw@mq');
    expect(interpolate('${URL:-amqp://${USER}@mq}', env)).toBe('amqp://given');
  });

  it('reports an unclosed substitution', () => {
    const problems: string[] = [];
    interpolate('${NAME:-x', {}, problems);
    expect(problems).toEqual(['unclosed ${ in "${NAME:-x"']);
  });
});
