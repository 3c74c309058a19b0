import type { FastifyRequest } from 'fastify';

/** Who is calling and what they may do. */
export interface Principal {
  requesterId: string;
  scopes: readonly string[];
}

/** The scope that allows POST /api/backup-requests. */
export const POST_SCOPE = 'post-backup-request';

/** A failed authentication: 401 (no or bad credentials) or 403 (missing scope). */
export class AuthError extends Error {
  constructor(
    readonly statusCode: 401 | 403,
    readonly code: 'Unauthenticated' | 'Forbidden',
    message: string,
  ) {
    super(message);
  }
}

/** The pluggable authentication hook: resolves the principal or throws AuthError. */
export type Authenticator = (request: FastifyRequest) => Promise<Principal>;

/** Auth switched off (the documented dev default): everyone is `anonymous` with every scope. */
export const anonymousAuthenticator: Authenticator = async () => ({
  requesterId: 'anonymous',
  scopes: [POST_SCOPE],
});

/**
 * Static bearer tokens, `token=requesterId:scope1+scope2;…` — a small real mode for
 * deployments without an identity provider yet, and the way tests exercise 401 and 403.
 */
export function staticTokenAuthenticator(spec: string): Authenticator {
  const tokens = parseTokenSpec(spec);
  return async (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new AuthError(401, 'Unauthenticated', 'a Bearer token is required');
    const principal = tokens.get(match[1]);
    if (!principal) throw new AuthError(401, 'Unauthenticated', 'the token is not valid');
    return principal;
  };
}

/** Parses the static token list; throws on a malformed entry. */
export function parseTokenSpec(spec: string): Map<string, Principal> {
  const tokens = new Map<string, Principal>();
  for (const entry of spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([^=\s]+)=([^:\s]+):([^\s]*)$/.exec(entry);
    if (!match) throw new Error(`malformed token entry '${entry.replace(/=.*/, '=…')}'`);
    tokens.set(match[1], { requesterId: match[2], scopes: match[3].split('+').filter(Boolean) });
  }
  if (tokens.size === 0) throw new Error('no tokens given');
  return tokens;
}
