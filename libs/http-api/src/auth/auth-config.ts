import { ConfigError, parse, type ConfigSchema } from '@linebacker/runtime';
import { ASYMMETRIC_ALGORITHMS, jwtAuthenticator } from './jwt';
import { anonymousAuthenticator, type Authenticator } from './principal';
import { staticTokenAuthenticator } from './static-tokens';

/** How the receiver authenticates callers. */
export interface AuthSettings {
  authMode: 'none' | 'static-tokens' | 'jwt';
  authAllowAnonymous: boolean;
  authTokens: string;
  authJwksUrl: string;
  authIssuers: readonly string[];
  authAudience: string;
  authAlgorithms: readonly string[];
  authClockToleranceSeconds: number;
  authJwksCooldownMs: number;
  authJwksCacheMaxAgeMs: number;
  authJwksTimeoutMs: number;
  authTokenCacheMs: number;
}

const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Only asymmetric algorithms: `none` and HS* (which a public key could forge) are refused. */
function algorithms(raw: string): string[] {
  const names = list(raw);
  const refused = names.filter(
    (name) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(name),
  );
  if (refused.length > 0 || names.length === 0)
    throw new Error(`only ${ASYMMETRIC_ALGORITHMS.join(', ')} are accepted`);
  return names;
}

/** The receiver's authentication keys. */
export const authConfigSchema: ConfigSchema<AuthSettings> = {
  authMode: {
    env: 'LINEBACKER_AUTH_MODE',
    doc: 'jwt, static-tokens, or none (anonymous; refused unless LINEBACKER_AUTH_ALLOW_ANONYMOUS=true)',
    default: 'none',
    parse: parse.oneOf('none', 'static-tokens', 'jwt'),
  },
  authAllowAnonymous: {
    env: 'LINEBACKER_AUTH_ALLOW_ANONYMOUS',
    doc: 'let mode none start (every caller anonymous with every right; warns at each start)',
    default: false,
    parse: parse.boolean,
  },
  authTokens: {
    env: 'LINEBACKER_AUTH_TOKENS',
    doc: 'static-tokens mode: JSON list of clients {requesterId, token|tokenSha256, scopes, jobs, locations}',
    default: '',
    secret: true,
    parse: parse.string,
  },
  authJwksUrl: {
    env: 'LINEBACKER_AUTH_JWKS_URL',
    doc: "jwt mode: the identity provider's JWKS endpoint",
    default: '',
    parse: parse.url('http', 'https'),
  },
  authIssuers: {
    env: 'LINEBACKER_AUTH_ISSUERS',
    doc: 'jwt mode: accepted iss values, comma separated',
    default: [],
    parse: list,
  },
  authAudience: {
    env: 'LINEBACKER_AUTH_AUDIENCE',
    doc: 'jwt mode: the aud a token must carry',
    default: '',
    parse: parse.string,
  },
  authAlgorithms: {
    env: 'LINEBACKER_AUTH_ALGORITHMS',
    doc: 'jwt mode: accepted alg values, comma separated (asymmetric only)',
    default: ['RS256', 'ES256'],
    parse: algorithms,
  },
  authClockToleranceSeconds: {
    env: 'LINEBACKER_AUTH_CLOCK_TOLERANCE_S',
    doc: 'jwt mode: leeway on exp and nbf',
    default: 30,
    parse: parse.integer(0, 300),
  },
  authJwksCooldownMs: {
    env: 'LINEBACKER_AUTH_JWKS_COOLDOWN_MS',
    doc: 'jwt mode: an unknown kid refetches the JWKS at most once per this period',
    default: 30_000,
    parse: parse.integer(0),
  },
  authJwksCacheMaxAgeMs: {
    env: 'LINEBACKER_AUTH_JWKS_CACHE_MAX_AGE_MS',
    doc: 'jwt mode: the JWKS is refetched at least this often (key rotation without restart)',
    default: 600_000,
    parse: parse.integer(1000),
  },
  authJwksTimeoutMs: {
    env: 'LINEBACKER_AUTH_JWKS_TIMEOUT_MS',
    doc: 'jwt mode: JWKS fetch deadline',
    default: 2000,
    parse: parse.integer(100),
  },
  authTokenCacheMs: {
    env: 'LINEBACKER_AUTH_TOKEN_CACHE_MS',
    doc: 'jwt mode: a verified token is not checked again for this long (never past its exp); 0 = every time',
    default: 60_000,
    parse: parse.integer(0, 600_000),
  },
};

/** Problems of the auth settings taken together (each key alone was valid). */
function crossProblems(settings: AuthSettings): string[] {
  const problems: string[] = [];
  if (settings.authMode === 'none' && !settings.authAllowAnonymous)
    problems.push(
      'LINEBACKER_AUTH_MODE=none lets anyone submit any job: set LINEBACKER_AUTH_MODE to jwt ' +
        'or static-tokens, or LINEBACKER_AUTH_ALLOW_ANONYMOUS=true for a closed test setup',
    );
  if (settings.authMode === 'static-tokens' && settings.authTokens === '')
    problems.push('LINEBACKER_AUTH_MODE=static-tokens needs LINEBACKER_AUTH_TOKENS(_FILE)');
  if (settings.authMode === 'jwt') {
    if (settings.authJwksUrl === '') problems.push('jwt mode needs LINEBACKER_AUTH_JWKS_URL');
    if (settings.authIssuers.length === 0) problems.push('jwt mode needs LINEBACKER_AUTH_ISSUERS');
    if (settings.authAudience === '') problems.push('jwt mode needs LINEBACKER_AUTH_AUDIENCE');
  }
  return problems;
}

/**
 * The authenticator the configuration selects. Throws a ConfigError naming every problem (a
 * mode without what it needs, a malformed client list — never printing a token), so a
 * receiver that would be open by accident does not start.
 */
export function authenticatorFor(settings: AuthSettings): Authenticator {
  const problems = crossProblems(settings);
  if (problems.length > 0) throw new ConfigError(problems);
  if (settings.authMode === 'jwt')
    return jwtAuthenticator({
      jwksUrl: settings.authJwksUrl,
      issuers: settings.authIssuers,
      audience: settings.authAudience,
      algorithms: settings.authAlgorithms,
      clockToleranceSeconds: settings.authClockToleranceSeconds,
      jwksCooldownMs: settings.authJwksCooldownMs,
      jwksCacheMaxAgeMs: settings.authJwksCacheMaxAgeMs,
      jwksTimeoutMs: settings.authJwksTimeoutMs,
      verifiedTokenCacheMs: settings.authTokenCacheMs,
    });
  if (settings.authMode === 'static-tokens') {
    try {
      return staticTokenAuthenticator(settings.authTokens);
    } catch (error) {
      throw new ConfigError([`LINEBACKER_AUTH_TOKENS: ${(error as Error).message}`]);
    }
  }
  return anonymousAuthenticator;
}
