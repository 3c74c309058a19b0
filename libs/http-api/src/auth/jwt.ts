import { DependencyUnavailableError } from '@linebacker/domain';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { AuthError, bearerToken, type Authenticator, type Principal } from './principal';
import { VerifiedTokens } from './verified-tokens';

/** How tokens are verified; everything comes from configuration, nothing from the token. */
export interface JwtSettings {
  /** The identity provider's JWKS endpoint; the only URL this authenticator ever fetches. */
  jwksUrl: string;
  /** Accepted `iss` values. */
  issuers: readonly string[];
  /** The `aud` a token must carry. */
  audience: string;
  /** Accepted `alg` values: asymmetric only (never `none`, never HS*). */
  algorithms: readonly string[];
  clockToleranceSeconds: number;
  /** A `kid` missing from the cached key set refetches it at most once per this period. */
  jwksCooldownMs: number;
  /** Keys are refetched at least this often, so a rotation needs no restart. */
  jwksCacheMaxAgeMs: number;
  jwksTimeoutMs: number;
  /** A verified token is remembered this long (never past its `exp`); 0 checks every time. */
  verifiedTokenCacheMs: number;
  /** The clock (tests move it). */
  now?: () => number;
}

/** The algorithms linebacker accepts at all; the config picks a subset. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** The claim naming the backup jobs a client may submit (`"*"` or a list of ids). */
export const JOBS_CLAIM = 'linebacker_jobs';
/** The claim naming the `backupDataLocation` prefixes a client may use (`"*"` or a list). */
export const LOCATIONS_CLAIM = 'linebacker_locations';

const IDENTITY_PROVIDER = 'identity-provider';
const SUBJECT = /^[\w.@:|-]{1,100}$/;

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length > 0);

/** `scope` (space-separated, RFC 8693) or `scp` (a list or a string, as some providers send). */
function scopesOf(payload: JWTPayload): string[] {
  const { scope, scp } = payload as { scope?: unknown; scp?: unknown };
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (typeof scp === 'string') return scp.split(' ').filter(Boolean);
  if (isStringList(scp)) return scp;
  return [];
}

function invalid(message: string): AuthError {
  return new AuthError(401, 'InvalidToken', message);
}

/** The principal a verified token describes; a claim of the wrong shape makes it invalid. */
export function principalOf(payload: JWTPayload): Principal {
  if (typeof payload.sub !== 'string' || !SUBJECT.test(payload.sub))
    throw invalid('the token has no usable sub');
  const jobs = payload[JOBS_CLAIM] ?? [];
  const locations = payload[LOCATIONS_CLAIM] ?? [];
  if (jobs !== '*' && !isStringList(jobs)) throw invalid(`${JOBS_CLAIM} must be "*" or a list`);
  if (locations !== '*' && !isStringList(locations))
    throw invalid(`${LOCATIONS_CLAIM} must be "*" or a list`);
  return {
    requesterId: payload.sub,
    scopes: scopesOf(payload),
    jobs: jobs === '*' ? '*' : new Set(jobs),
    locationPrefixes: locations === '*' ? '*' : locations,
  };
}

/**
 * jose reports a bad token and an unreachable key set through the same call. A token that
 * fails is the caller's problem (401); a key set that cannot be fetched or read is ours (503),
 * so a provider outage never looks like a wave of bad tokens.
 */
function toAuthFailure(error: unknown): Error {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return new DependencyUnavailableError(IDENTITY_PROVIDER, error.message, error);
  if (error instanceof errors.JOSEError) {
    // The key set answered with something other than 200 (jose has no class of its own for it).
    if (/JSON Web Key Set HTTP response/.test(error.message))
      return new DependencyUnavailableError(IDENTITY_PROVIDER, error.message, error);
    if (error instanceof errors.JWTExpired) return invalid('the token has expired');
    return invalid('the token is not valid');
  }
  if (error instanceof AuthError) return error;
  // fetch's own failures (refused, reset, DNS): the provider is unreachable.
  return new DependencyUnavailableError(IDENTITY_PROVIDER, String(error), error);
}

/**
 * Verifies RFC 7519 bearer tokens against the configured JWKS with jose: the key is picked
 * by `kid` from the cached set (`jku`/`x5u` headers are never followed), the signature with
 * one of the pinned algorithms, then `iss`, `aud`, `exp` and `nbf` (with a small tolerance).
 */
export function jwtAuthenticator(settings: JwtSettings): Authenticator {
  const keys = createRemoteJWKSet(new URL(settings.jwksUrl), {
    cooldownDuration: settings.jwksCooldownMs,
    cacheMaxAge: settings.jwksCacheMaxAgeMs,
    timeoutDuration: settings.jwksTimeoutMs,
  });
  const options = {
    issuer: [...settings.issuers],
    audience: settings.audience,
    algorithms: [...settings.algorithms],
    clockTolerance: settings.clockToleranceSeconds,
    requiredClaims: ['sub', 'exp'],
  };
  const now = settings.now ?? Date.now;
  const verified = new VerifiedTokens(settings.verifiedTokenCacheMs, 10_000, now);
  return async (authorization) => {
    const token = bearerToken(authorization);
    const key = VerifiedTokens.keyOf(token);
    const known = verified.get(key);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, keys, {
        ...options,
        currentDate: new Date(now()),
      });
      const principal = principalOf(payload);
      verified.remember(key, principal, (payload.exp ?? 0) * 1000);
      return principal;
    } catch (error) {
      throw toAuthFailure(error);
    }
  };
}
