/** Who is calling and what they may do. */
export interface Principal {
  /** Stored as the request's `requesterId` (the JWT `sub`, or the static client's id). */
  requesterId: string;
  scopes: readonly string[];
  /** Backup jobs this client may submit; `'*'` for any. */
  jobs: '*' | ReadonlySet<string>;
  /** Prefixes every `backupDataLocation` must lie within; `'*'` for any location. */
  locationPrefixes: '*' | readonly string[];
}

/** The scope that allows POST /api/backup-requests. */
export const POST_SCOPE = 'post-backup-request';

/** Everyone, when authentication is off (only with LINEBACKER_AUTH_ALLOW_ANONYMOUS=true). */
export const ANONYMOUS: Principal = Object.freeze({
  requesterId: 'anonymous',
  scopes: [POST_SCOPE],
  jobs: '*',
  locationPrefixes: '*',
});

/** A failed authentication (401) or a missing scope (403). */
export class AuthError extends Error {
  constructor(
    readonly statusCode: 401 | 403,
    readonly code: 'Unauthenticated' | 'InvalidToken' | 'Forbidden',
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** Resolves the caller from the Authorization header, or throws AuthError. */
export type Authenticator = (authorization: string | undefined) => Promise<Principal>;

/** Longest bearer token accepted; larger headers are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 token68 characters only).
 * A missing header is `Unauthenticated`; anything else malformed is `InvalidToken`.
 */
export function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '')
    throw new AuthError(401, 'Unauthenticated', 'a Bearer token is required');
  if (authorization.length > MAX_TOKEN_LENGTH + 7)
    throw new AuthError(401, 'InvalidToken', 'the token is too large');
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization);
  if (!match?.[1])
    throw new AuthError(401, 'InvalidToken', 'the Authorization header is not a Bearer token');
  return match[1];
}

/** The anonymous authenticator: every caller is {@link ANONYMOUS}. */
export const anonymousAuthenticator: Authenticator = () => Promise.resolve(ANONYMOUS);
