import { parse, type ConfigSchema } from '@linebacker/runtime';

/** One client's callback rights, as configured in LINEBACKER_CALLBACK_CLIENTS. */
export interface CallbackClient {
  requesterId: string;
  /** Used when a request names none; may be absent (the client then names one per request). */
  callbackUrl?: string;
  /** Hosts a request may name in its callbackUrl (exact names, or `*.example.com`). */
  allowedHosts: readonly string[];
}

/** One signing key of a client: `kid` goes in the signature header, the secret never does. */
export interface SigningKey {
  kid: string;
  secret: string;
}

/** What the receiver needs to decide a request's callback (no secrets). */
export interface CallbackPolicySettings {
  /** JSON, checked at load; read with {@link parseCallbackClients}. */
  callbackClients: string;
  callbackAllowHttp: boolean;
  callbackAllowPrivateAddresses: boolean;
  callbackDnsTimeoutMs: number;
}

/** What the notifier needs besides the policy: the keys and the delivery bounds. */
export interface CallbackDeliverySettings extends CallbackPolicySettings {
  /** JSON, checked at load; read with {@link parseSigningKeys}. */
  callbackSigningKeys: string;
  callbackTimeoutMs: number;
  callbackBreakerResetMs: number;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

function json(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error('not valid JSON');
  }
}

function readClient(raw: unknown, index: number): CallbackClient {
  const at = `client ${index + 1}`;
  if (!isObject(raw)) throw new Error(`${at}: not an object`);
  const unknown = Object.keys(raw).filter(
    (key) => !['requesterId', 'callbackUrl', 'allowedHosts'].includes(key),
  );
  if (unknown.length > 0) throw new Error(`${at}: unknown field(s) ${unknown.join(', ')}`);
  const { requesterId, callbackUrl, allowedHosts = [] } = raw;
  if (typeof requesterId !== 'string' || requesterId === '')
    throw new Error(`${at}: requesterId is required`);
  if (callbackUrl !== undefined && (typeof callbackUrl !== 'string' || !URL.canParse(callbackUrl)))
    throw new Error(`${at} (${requesterId}): callbackUrl must be an absolute URL`);
  if (
    !Array.isArray(allowedHosts) ||
    !allowedHosts.every((host) => typeof host === 'string' && HOST.test(host))
  )
    throw new Error(`${at} (${requesterId}): allowedHosts must be a list of lower-case host names`);
  return {
    requesterId,
    ...(callbackUrl === undefined ? {} : { callbackUrl }),
    allowedHosts: allowedHosts as string[],
  };
}

/** Parses LINEBACKER_CALLBACK_CLIENTS: a JSON list of {@link CallbackClient}, one per requester. */
export function parseCallbackClients(raw: string): Map<string, CallbackClient> {
  const list = json(raw);
  if (!Array.isArray(list)) throw new Error('must be a JSON list of clients');
  const clients = new Map<string, CallbackClient>();
  list.map(readClient).forEach((client, index) => {
    if (clients.has(client.requesterId))
      throw new Error(`client ${index + 1}: ${client.requesterId} is listed twice`);
    clients.set(client.requesterId, client);
  });
  return clients;
}

/**
 * Parses LINEBACKER_CALLBACK_SECRETS: `{"<requesterId>": [{"kid", "secret"}, ...]}`, newest key
 * first. Messages name requesters and positions, never a secret.
 */
export function parseSigningKeys(raw: string): Map<string, SigningKey[]> {
  const all = json(raw);
  if (!isObject(all)) throw new Error('must be a JSON object of requesterId → list of keys');
  const keys = new Map<string, SigningKey[]>();
  for (const [requesterId, list] of Object.entries(all)) {
    if (!Array.isArray(list) || list.length === 0)
      throw new Error(`${requesterId}: must be a non-empty list of {kid, secret}`);
    const kids = new Set<string>();
    keys.set(
      requesterId,
      list.map((key: unknown, index) => {
        const at = `${requesterId} key ${index + 1}`;
        if (!isObject(key) || typeof key['kid'] !== 'string' || !/^[\w.-]{1,64}$/.test(key['kid']))
          throw new Error(`${at}: kid must be 1-64 of letters, digits and . _ -`);
        if (typeof key['secret'] !== 'string' || key['secret'].length < 32)
          throw new Error(`${at}: secret must be at least 32 characters`);
        if (kids.has(key['kid'])) throw new Error(`${at}: kid ${key['kid']} is listed twice`);
        kids.add(key['kid']);
        return { kid: key['kid'], secret: key['secret'] };
      }),
    );
  }
  return keys;
}

/** Checks a JSON setting at start-up and keeps its text (the documented default stays readable). */
const validJson =
  (read: (raw: string) => unknown) =>
  (raw: string): string => {
    read(raw);
    return raw;
  };

/** The receiver's callback keys. */
export const callbackPolicyConfigSchema: ConfigSchema<CallbackPolicySettings> = {
  callbackClients: {
    env: 'LINEBACKER_CALLBACK_CLIENTS',
    doc: 'JSON list of clients with callbacks: {requesterId, callbackUrl?, allowedHosts?}; a request may name a callbackUrl only on a host its client lists (ADR 0214)',
    default: '[]',
    parse: validJson(parseCallbackClients),
  },
  callbackAllowHttp: {
    env: 'LINEBACKER_CALLBACK_ALLOW_HTTP',
    doc: 'accept http:// callback URLs (local use only; callbacks otherwise need https)',
    default: false,
    parse: parse.boolean,
  },
  callbackAllowPrivateAddresses: {
    env: 'LINEBACKER_CALLBACK_ALLOW_PRIVATE_ADDRESSES',
    doc: 'let callbacks reach private, loopback and link-local addresses (local use only: SSRF)',
    default: false,
    parse: parse.boolean,
  },
  callbackDnsTimeoutMs: {
    env: 'LINEBACKER_CALLBACK_DNS_TIMEOUT_MS',
    doc: "deadline for resolving a callback host's addresses",
    default: 2000,
    parse: parse.integer(50, 60_000),
  },
};

/** The notifier's callback keys: the policy (checked again at delivery), keys and bounds. */
export const callbackDeliveryConfigSchema: ConfigSchema<CallbackDeliverySettings> = {
  ...callbackPolicyConfigSchema,
  callbackSigningKeys: {
    env: 'LINEBACKER_CALLBACK_SECRETS',
    doc: 'JSON object requesterId → [{kid, secret}], newest first: callbacks are signed with the first key; receivers accept every key still listed',
    default: '{}',
    secret: true,
    parse: validJson(parseSigningKeys),
  },
  callbackTimeoutMs: {
    env: 'LINEBACKER_CALLBACK_TIMEOUT_MS',
    doc: 'deadline of one callback POST, connecting included (longer counts as a failed attempt)',
    default: 5000,
    parse: parse.integer(100, 60_000),
  },
  callbackBreakerResetMs: {
    env: 'LINEBACKER_CALLBACK_BREAKER_RESET_MS',
    doc: "how long a callback host's open circuit refuses attempts before one trial call",
    default: 30_000,
    parse: parse.integer(100),
  },
};
