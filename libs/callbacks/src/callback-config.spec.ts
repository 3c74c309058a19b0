import { parseCallbackClients, parseSigningKeys } from './callback-config';

describe('parseCallbackClients', () => {
  it('reads clients by requester and names the position of a bad one', () => {
    const clients = parseCallbackClients(
      '[{"requesterId":"a","allowedHosts":["h.example"]},{"requesterId":"b","callbackUrl":"https://x.example/"}]',
    );
    expect(clients.get('a')).toEqual({ requesterId: 'a', allowedHosts: ['h.example'] });
    expect(clients.get('b')?.callbackUrl).toBe('https://x.example/');
    expect(() => parseCallbackClients('[{"requesterId":"a","hosts":[]}]')).toThrow(
      'client 1: unknown field(s) hosts',
    );
    expect(() => parseCallbackClients('[{"requesterId":"a","allowedHosts":["H X"]}]')).toThrow(
      /allowedHosts/,
    );
    expect(() => parseCallbackClients('[{"requesterId":"a"},{"requesterId":"a"}]')).toThrow(
      /listed twice/,
    );
  });
});

describe('parseSigningKeys', () => {
  const secret = 's'.repeat(32);

  it('keeps the keys in order, newest first', () => {
    const keys = parseSigningKeys(
      JSON.stringify({
        a: [
          { kid: 'new', secret },
          { kid: 'old', secret: 't'.repeat(32) },
        ],
      }),
    );
    expect(keys.get('a')?.map((key) => key.kid)).toEqual(['new', 'old']);
  });

  it('refuses short secrets and repeated kids without printing the secret', () => {
    const short = () =>
      parseSigningKeys(JSON.stringify({ a: [{ kid: 'k', secret: 'tiny-secret' }] }));
    expect(short).toThrow('a key 1: secret must be at least 32 characters');
    expect(short).not.toThrow(/tiny-secret/);
    expect(() =>
      parseSigningKeys(
        JSON.stringify({
          a: [
            { kid: 'k', secret },
            { kid: 'k', secret },
          ],
        }),
      ),
    ).toThrow(/kid k is listed twice/);
  });
});
