import { transition } from './state-machine';

describe('transition', () => {
  it('moves Received to Allowed on an allowed decision', () => {
    expect(transition('Received', { type: 'allowed' })).toEqual({
      outcome: 'move',
      from: 'Received',
      to: 'Allowed',
    });
  });
});
