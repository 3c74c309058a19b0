import { createHash } from 'node:crypto';
import { parseStaticClients, staticTokenAuthenticator } from './static-tokens';

const TOKEN = 'planted-secret-token-0123456789abcdef';
const client = (change: Record<string, unknown> = {}) => ({
  requesterId: 'team-a',
  token: TOKEN,
  scopes: ['post-backup-request'],
  jobs: ['job-1'],
  locations: ['/data/a'],
  ...change,
});

describe('static client tokens', () => {
  it('authenticates by token or by its SHA-256, with the client’s jobs and locations', async () => {
    const hashed = createHash('sha256').update('another-token-0123456789abcdefghij').digest('hex');
    const authenticate = staticTokenAuthenticator(
      JSON.stringify([
        client(),
        {
          ...client({ requesterId: 'team-b', jobs: '*', locations: '*' }),
          token: undefined,
          tokenSha256: hashed,
        },
      ]),
    );
    const a = await authenticate(`Bearer ${TOKEN}`);
    expect(a).toEqual({
      requesterId: 'team-a',
      scopes: ['post-backup-request'],
      jobs: new Set(['job-1']),
      locationPrefixes: ['/data/a'],
    });
    expect((await authenticate('Bearer another-token-0123456789abcdefghij')).requesterId).toBe(
      'team-b',
    );
    await expect(authenticate(`Bearer ${TOKEN}0`)).rejects.toMatchObject({ statusCode: 401 });
  });

  it.each([
    ['not JSON', 'nope', /not valid JSON/],
    ['an empty list', '[]', /non-empty list/],
    ['a short token', JSON.stringify([client({ token: 'short' })]), /at least 32/],
    ['an unknown field', JSON.stringify([client({ admin: true })]), /unknown field\(s\) admin/],
    [
      'both token and hash',
      JSON.stringify([client({ tokenSha256: 'a'.repeat(64) })]),
      /exactly one/,
    ],
    ['a relative location', JSON.stringify([client({ locations: ['data'] })]), /absolute/],
    ['jobs of the wrong type', JSON.stringify([client({ jobs: 'job-1' })]), /jobs must be/],
    [
      'a repeated token',
      JSON.stringify([client(), client({ requesterId: 'team-b' })]),
      /same token/,
    ],
  ])('refuses %s, naming the client but never the token', (_name, json, reason) => {
    let message = '';
    try {
      parseStaticClients(json);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(reason);
    expect(message).not.toContain(TOKEN);
    expect(message).not.toContain('short');
  });
});
