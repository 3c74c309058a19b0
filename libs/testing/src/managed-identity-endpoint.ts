import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The tenant the tokens name (any GUID: Azurite checks the issuer's form, not the tenant). */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A managed-identity token endpoint as App Service and Functions expose one
 * (IDENTITY_ENDPOINT and IDENTITY_HEADER, read by the Azure SDK's managed identity credential):
 * it answers a caller that shows the header with a token for the resource asked, unsigned,
 * which Azurite's `--oauth basic` accepts. Counts the tokens it issued.
 */
export class ManagedIdentityEndpoint {
  /** Tokens issued so far. */
  issued = 0;
  private readonly header = randomUUID();

  private constructor(
    private readonly server: Server,
    private readonly audience: (resource: string) => string,
  ) {}

  /** Listens on 127.0.0.1; `audience` maps the resource asked to the token's `aud`. */
  static async start(
    audience: (resource: string) => string = (resource) => resource,
  ): Promise<ManagedIdentityEndpoint> {
    const server = createServer();
    const endpoint = new ManagedIdentityEndpoint(server, audience);
    server.on('request', (request, response) => endpoint.answer(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  /** The variables that point the SDK's managed identity credential here. */
  get env(): Record<string, string> {
    const { port } = this.server.address() as AddressInfo;
    return {
      IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/msi/token`,
      IDENTITY_HEADER: this.header,
    };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    const resource = new URL(request.url ?? '/', 'http://x').searchParams.get('resource');
    if (request.headers['x-identity-header'] !== this.header || !resource) {
      response.writeHead(400).end();
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: this.audience(resource),
      iss: `https://sts.windows.net/${TENANT}/`,
      tid: TENANT,
      oid: randomUUID(),
      iat: now - 60,
      nbf: now - 60,
      exp: now + 3600,
    };
    this.issued++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        access_token: `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}.c2ln`,
        expires_on: String(now + 3600),
        resource,
        token_type: 'Bearer',
      }),
    );
  }
}
