import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type JWK,
  type JWTPayload,
  type CryptoKey,
} from 'jose';

/** A signing key the test owns: its private half signs, its public half may be served. */
export interface TestKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** Makes a key pair for `alg` (ES256 by default) under `kid`. */
export async function makeTestKey(kid: string, alg = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

/** Signs `claims` with `key` (header: its alg and kid, plus `header` overrides). */
export function signTestToken(
  key: TestKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

/** A local HTTP server answering JWKS requests, with every path it was asked for recorded. */
export interface JwksServer {
  url: string;
  /** The paths requested so far, in order. */
  hits: string[];
  /** Serves exactly these keys from now on (a rotation). */
  serve(keys: readonly TestKey[]): void;
  /** Answers every request with this status instead (an identity provider outage). */
  failWith(status: number | undefined): void;
  stop(): Promise<void>;
}

/** Starts a JWKS endpoint on loopback at `/.well-known/jwks.json` serving `keys`. */
export async function startJwksServer(keys: readonly TestKey[]): Promise<JwksServer> {
  let served = [...keys];
  let failure: number | undefined;
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (failure !== undefined) {
      res.writeHead(failure).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: served.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    hits,
    serve: (next) => void (served = [...next]),
    failWith: (status) => void (failure = status),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
