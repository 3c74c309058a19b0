import { ConfigError, loadConfig } from '@linebacker/runtime';
import { authConfigSchema, authenticatorFor } from './auth-config';

const problemsOf = (env: Record<string, string>): string => {
  try {
    authenticatorFor(loadConfig(authConfigSchema, env));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
};

describe('the receiver’s auth configuration', () => {
  it('refuses to run open unless anonymous access is allowed explicitly', () => {
    expect(problemsOf({})).toMatch(
      /LINEBACKER_AUTH_MODE=none .*LINEBACKER_AUTH_ALLOW_ANONYMOUS=true/,
    );
    expect(problemsOf({ LINEBACKER_AUTH_ALLOW_ANONYMOUS: 'true' })).toBe('');
  });

  it('names everything jwt mode lacks', () => {
    const problems = problemsOf({ LINEBACKER_AUTH_MODE: 'jwt' });
    expect(problems).toMatch(/LINEBACKER_AUTH_JWKS_URL/);
    expect(problems).toMatch(/LINEBACKER_AUTH_ISSUERS/);
    expect(problems).toMatch(/LINEBACKER_AUTH_AUDIENCE/);
  });

  it.each(['none', 'HS256', 'RS256,HS512', ''])('refuses the algorithm list %j', (list) => {
    expect(() => loadConfig(authConfigSchema, { LINEBACKER_AUTH_ALGORITHMS: list || ' ' })).toThrow(
      /LINEBACKER_AUTH_ALGORITHMS.*only RS256/,
    );
  });

  it('reports a malformed client list without printing its tokens', () => {
    const token = 'planted-token-abcdefghijklmnopqrstuvwxyz';
    const problems = problemsOf({
      LINEBACKER_AUTH_MODE: 'static-tokens',
      LINEBACKER_AUTH_TOKENS: JSON.stringify([{ requesterId: 'a', token, scopes: 'x' }]),
    });
    expect(problems).toMatch(/client 1 \(a\): scopes must be a list/);
    expect(problems).not.toContain(token);
  });
});
