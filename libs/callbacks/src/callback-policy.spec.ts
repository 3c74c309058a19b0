import { CallbackNotAllowedError, DependencyFailedError } from '@linebacker/domain';
import { isNonPublicAddress } from './address-policy';
import type { CallbackPolicySettings } from './callback-config';
import { CallbackPolicy, type ResolvedAddress, type ResolveHost } from './callback-policy';

/** A resolver answering from a fixed table; unknown names fail as node:dns does. */
function fakeDns(table: Record<string, string[]>): ResolveHost & { asked: string[] } {
  const asked: string[] = [];
  const resolve = (host: string): Promise<ResolvedAddress[]> => {
    asked.push(host);
    const addresses = table[host];
    if (!addresses) return Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    return Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return Object.assign(resolve, { asked });
}

const settings = (overrides: Partial<CallbackPolicySettings> = {}): CallbackPolicySettings => ({
  callbackClients: JSON.stringify([
    { requesterId: 'team-a', allowedHosts: ['hooks.example.com', '*.team-a.example'] },
    { requesterId: 'team-b', callbackUrl: 'https://b.example.org/ended' },
  ]),
  callbackAllowHttp: false,
  callbackAllowPrivateAddresses: false,
  callbackDnsTimeoutMs: 200,
  ...overrides,
});

const dns = fakeDns({
  'hooks.example.com': ['93.184.216.34'],
  'x.team-a.example': ['2606:2800:220:1::1'],
  'inside.team-a.example': ['93.184.216.34', '10.1.2.3'],
  'b.example.org': ['93.184.216.35'],
});

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: unknown) =>
      error instanceof CallbackNotAllowedError ? error.message : `other: ${String(error)}`,
  );

describe('CallbackPolicy', () => {
  const policy = new CallbackPolicy(settings(), dns);

  it('accepts an https URL on a listed host that resolves to public addresses', async () => {
    expect(await policy.targetFor('team-a', 'https://hooks.example.com/lb?x=1')).toBe(
      'https://hooks.example.com/lb?x=1',
    );
    expect(await policy.targetFor('team-a', 'https://x.team-a.example/')).toBe(
      'https://x.team-a.example/',
    );
  });

  it("uses the client's configured URL when the request names none, and none for others", async () => {
    expect(await policy.targetFor('team-b', undefined)).toBe('https://b.example.org/ended');
    expect(await policy.targetFor('team-a', undefined)).toBeNull();
    expect(await policy.targetFor('stranger', undefined)).toBeNull();
  });

  it('refuses hosts the client does not list, and every host for an unconfigured client', async () => {
    expect(await refusal(policy.targetFor('team-a', 'https://evil.example.net/'))).toBe(
      'callbackUrl host evil.example.net is not allowed for team-a',
    );
    expect(await refusal(policy.targetFor('team-a', 'https://team-a.example/'))).toMatch(
      /not allowed/,
    );
    expect(await refusal(policy.targetFor('stranger', 'https://hooks.example.com/'))).toMatch(
      /not allowed for stranger/,
    );
  });

  it('refuses http, credentials, fragments and what is not a URL', async () => {
    expect(await refusal(policy.targetFor('team-a', 'http://hooks.example.com/'))).toBe(
      'callbackUrl must use https:',
    );
    expect(await refusal(policy.targetFor('team-a', 'https://u:p@hooks.example.com/'))).toMatch(
      /credentials/,
    );
    expect(await refusal(policy.targetFor('team-a', 'https://hooks.example.com/#x'))).toMatch(
      /fragment/,
    );
    expect(await refusal(policy.targetFor('team-a', 'hooks.example.com/x'))).toMatch(
      /not an absolute URL/,
    );
  });

  it('refuses a host with any non-public address, naming it', async () => {
    expect(await refusal(policy.targetFor('team-a', 'https://inside.team-a.example/'))).toBe(
      'callbackUrl host inside.team-a.example resolves to the non-public address 10.1.2.3',
    );
  });

  it('refuses a host that does not resolve, and reports a resolver failure as transient', async () => {
    expect(await refusal(policy.targetFor('team-a', 'https://gone.team-a.example/'))).toMatch(
      /does not resolve/,
    );
    const broken = new CallbackPolicy(settings(), () =>
      Promise.reject(Object.assign(new Error('try again'), { code: 'EAI_AGAIN' })),
    );
    await expect(broken.targetFor('team-a', 'https://hooks.example.com/')).rejects.toBeInstanceOf(
      DependencyFailedError,
    );
  });

  it('gives up on a resolver that does not answer within its deadline', async () => {
    const silent = new CallbackPolicy(
      settings({ callbackDnsTimeoutMs: 50 }),
      () => new Promise<ResolvedAddress[]>(() => undefined),
    );
    await expect(silent.targetFor('team-a', 'https://hooks.example.com/')).rejects.toThrow(
      /no answer for hooks.example.com in time/,
    );
  });

  it('allows http and loopback only when configured, for local use', async () => {
    const local = new CallbackPolicy(
      settings({
        callbackClients: JSON.stringify([{ requesterId: 'dev', allowedHosts: ['127.0.0.1'] }]),
        callbackAllowHttp: true,
        callbackAllowPrivateAddresses: true,
      }),
      dns,
    );
    expect(await local.targetFor('dev', 'http://127.0.0.1:8080/hook')).toBe(
      'http://127.0.0.1:8080/hook',
    );
    const strict = new CallbackPolicy(
      settings({
        callbackClients: JSON.stringify([{ requesterId: 'dev', allowedHosts: ['127.0.0.1'] }]),
      }),
      dns,
    );
    expect(await refusal(strict.targetFor('dev', 'https://127.0.0.1:8080/hook'))).toMatch(
      /non-public address 127.0.0.1/,
    );
  });

  it('refuses at start-up a configured URL that breaks the policy', () => {
    expect(
      () =>
        new CallbackPolicy(
          settings({
            callbackClients: JSON.stringify([
              { requesterId: 'team-c', callbackUrl: 'http://c.example/x' },
            ]),
          }),
          dns,
        ),
    ).toThrow('LINEBACKER_CALLBACK_CLIENTS: team-c: callbackUrl must use https:');
  });
});

describe('isNonPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('%s is not public', (address) => expect(isNonPublicAddress(address)).toBe(true));

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:2800:220:1::1'])(
    '%s is public',
    (address) => expect(isNonPublicAddress(address)).toBe(false),
  );
});
