import { receiverStatus } from './receiver-service';

describe('receiverStatus', () => {
  it('is ok with both dependencies up', () => {
    expect(receiverStatus({ database: 'up', broker: 'up' })).toBe('ok');
  });

  it('is degraded without the broker: intake still works into the outbox', () => {
    expect(receiverStatus({ database: 'up', broker: 'down' })).toBe('degraded');
  });

  it('is unavailable without the database, or while stopping', () => {
    expect(receiverStatus({ database: 'down', broker: 'up' })).toBe('unavailable');
    expect(receiverStatus({ database: 'down', broker: 'down' })).toBe('unavailable');
    expect(receiverStatus({ database: 'up', broker: 'up' }, true)).toBe('unavailable');
  });
});
