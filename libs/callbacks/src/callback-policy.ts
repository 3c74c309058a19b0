import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  CallbackNotAllowedError,
  DependencyFailedError,
  type CallbackTargets,
} from '@linebacker/domain';
import { isNonPublicAddress } from './address-policy';
import {
  parseCallbackClients,
  type CallbackClient,
  type CallbackPolicySettings,
} from './callback-config';

/** One resolved address of a host. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (node:dns in production, a fake in unit tests). */
export type ResolveHost = (host: string) => Promise<ResolvedAddress[]>;

const systemResolve: ResolveHost = async (host) =>
  (await dnsLookup(host, { all: true })).map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));

/** DNS answers meaning the name does not exist (as opposed to a resolver that is slow or down). */
const NO_SUCH_HOST = new Set(['ENOTFOUND', 'ENODATA']);

/** `[::1]` → `::1`: URL keeps the brackets of an IPv6 literal. */
const bareHost = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

function hostAllowed(client: CallbackClient, host: string): boolean {
  const listed = [...client.allowedHosts];
  if (client.callbackUrl !== undefined) listed.push(new URL(client.callbackUrl).hostname);
  return listed.some((entry) =>
    entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry,
  );
}

/**
 * Where a client's callbacks may go (ADR 0214): https (http only when allowed for local use),
 * no credentials in the URL, a host the client's configuration lists, and only to public
 * addresses unless private ones are allowed. The receiver applies it at intake; the notifier
 * again at each delivery, on the addresses it then connects to, so a host that changed its
 * DNS answer to an internal address since intake is still refused.
 */
export class CallbackPolicy implements CallbackTargets {
  private readonly clients: ReadonlyMap<string, CallbackClient>;

  constructor(
    private readonly settings: CallbackPolicySettings,
    private readonly resolve: ResolveHost = systemResolve,
  ) {
    this.clients = parseCallbackClients(settings.callbackClients);
    for (const client of this.clients.values()) {
      if (client.callbackUrl === undefined) continue;
      try {
        this.checkUrl(client.requesterId, client.callbackUrl);
      } catch (error) {
        throw new Error(
          `LINEBACKER_CALLBACK_CLIENTS: ${client.requesterId}: ${(error as Error).message}`,
        );
      }
    }
  }

  /** The URL to store for a new request: the requested one if allowed, else the client's. */
  async targetFor(requesterId: string, requestedUrl: string | undefined): Promise<string | null> {
    if (requestedUrl === undefined) return this.clients.get(requesterId)?.callbackUrl ?? null;
    const url = this.checkUrl(requesterId, requestedUrl);
    await this.addressesFor(url);
    return url.href;
  }

  /** The URL parsed, or CallbackNotAllowedError: scheme, credentials and host (no DNS). */
  checkUrl(requesterId: string, raw: string): URL {
    if (!URL.canParse(raw)) throw new CallbackNotAllowedError('is not an absolute URL');
    const url = new URL(raw);
    const schemes = this.settings.callbackAllowHttp ? ['https:', 'http:'] : ['https:'];
    if (!schemes.includes(url.protocol))
      throw new CallbackNotAllowedError(`must use ${schemes.join(' or ')}`);
    if (url.username !== '' || url.password !== '')
      throw new CallbackNotAllowedError('must not hold credentials');
    if (url.hash !== '') throw new CallbackNotAllowedError('must not hold a #fragment');
    const client = this.clients.get(requesterId);
    if (!client || !hostAllowed(client, url.hostname))
      throw new CallbackNotAllowedError(`host ${url.hostname} is not allowed for ${requesterId}`);
    return url;
  }

  /**
   * The addresses to connect to for the URL's host, every one of them public unless private
   * ones are allowed. One non-public answer refuses the host: connecting to the public one
   * only would let a name that mixes both reach the inside on a retry.
   */
  async addressesFor(url: URL): Promise<ResolvedAddress[]> {
    const host = bareHost(url.hostname);
    const family = isIP(host);
    const addresses =
      family === 0 ? await this.resolveBounded(host) : [{ address: host, family: family as 4 | 6 }];
    if (!this.settings.callbackAllowPrivateAddresses) {
      const inside = addresses.find(({ address }) => isNonPublicAddress(address));
      if (inside)
        throw new CallbackNotAllowedError(
          `host ${url.hostname} resolves to the non-public address ${inside.address}`,
        );
    }
    return addresses;
  }

  private async resolveBounded(host: string): Promise<ResolvedAddress[]> {
    const deadline = AbortSignal.timeout(this.settings.callbackDnsTimeoutMs);
    const timedOut = new Promise<never>((_, reject) =>
      deadline.addEventListener('abort', () =>
        reject(new DependencyFailedError('DNS', `no answer for ${host} in time`)),
      ),
    );
    try {
      const addresses = await Promise.race([this.resolve(host), timedOut]);
      if (addresses.length === 0) throw Object.assign(new Error('no address'), { code: 'ENODATA' });
      return addresses;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && NO_SUCH_HOST.has(code))
        throw new CallbackNotAllowedError(`host ${host} does not resolve`);
      if (error instanceof DependencyFailedError) throw error;
      throw new DependencyFailedError('DNS', `cannot resolve ${host}`, error);
    }
  }
}
