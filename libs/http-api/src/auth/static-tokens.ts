import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthError, bearerToken, type Authenticator, type Principal } from './principal';

/** One client of the static-token list, as configured. */
interface ClientEntry {
  requesterId: string;
  /** The token itself (at least 32 characters), or instead its SHA-256 in hex. */
  token?: string;
  tokenSha256?: string;
  scopes: string[];
  jobs: string[] | '*';
  locations: string[] | '*';
}

interface KnownClient {
  hash: Buffer;
  principal: Principal;
}

const MIN_TOKEN_LENGTH = 32;
const REQUESTER_ID = /^[\w.@:-]{1,100}$/;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length > 0);

/**
 * Reads one entry; every message names the entry by position and requester, never by token
 * (the list is a secret, and a start-up error must not print it).
 */
function readEntry(raw: unknown, index: number): KnownClient {
  const at = `client ${index + 1}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${at}: not an object`);
  const entry = raw as Partial<ClientEntry> & Record<string, unknown>;
  const unknown = Object.keys(entry).filter(
    (key) => !['requesterId', 'token', 'tokenSha256', 'scopes', 'jobs', 'locations'].includes(key),
  );
  if (unknown.length > 0) throw new Error(`${at}: unknown field(s) ${unknown.join(', ')}`);
  if (typeof entry.requesterId !== 'string' || !REQUESTER_ID.test(entry.requesterId))
    throw new Error(`${at}: requesterId must be 1-100 of letters, digits and . @ : _ -`);
  const who = `${at} (${entry.requesterId})`;
  let hash: Buffer;
  if (typeof entry.token === 'string' && entry.tokenSha256 === undefined) {
    if (entry.token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(entry.token))
      throw new Error(`${who}: token must be at least ${MIN_TOKEN_LENGTH} printable characters`);
    hash = sha256(entry.token);
  } else if (typeof entry.tokenSha256 === 'string' && entry.token === undefined) {
    if (!/^[0-9a-f]{64}$/i.test(entry.tokenSha256))
      throw new Error(`${who}: tokenSha256 must be 64 hex digits`);
    hash = Buffer.from(entry.tokenSha256, 'hex');
  } else throw new Error(`${who}: give exactly one of token and tokenSha256`);
  if (!isStringList(entry.scopes)) throw new Error(`${who}: scopes must be a list of names`);
  const jobs = entry.jobs;
  if (jobs !== '*' && !isStringList(jobs))
    throw new Error(`${who}: jobs must be "*" or a list of backup job ids`);
  const locations = entry.locations;
  if (locations !== '*' && !(isStringList(locations) && locations.every((p) => p.startsWith('/'))))
    throw new Error(`${who}: locations must be "*" or a list of absolute path prefixes`);
  return {
    hash,
    principal: {
      requesterId: entry.requesterId,
      scopes: [...entry.scopes],
      jobs: jobs === '*' ? '*' : new Set(jobs),
      locationPrefixes: locations === '*' ? '*' : [...locations],
    },
  };
}

/**
 * Parses the static client list (JSON: a list of `{requesterId, token | tokenSha256, scopes,
 * jobs, locations}`); throws with every problem's position, never a token.
 */
export function parseStaticClients(json: string): KnownClient[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('not valid JSON (a list of clients)');
  }
  if (!Array.isArray(raw) || raw.length === 0)
    throw new Error('must be a non-empty list of clients');
  const clients = raw.map(readEntry);
  const seen = new Set<string>();
  clients.forEach((client, index) => {
    const key = client.hash.toString('hex');
    if (seen.has(key)) throw new Error(`client ${index + 1}: the same token as an earlier client`);
    seen.add(key);
  });
  return clients;
}

/**
 * Static bearer tokens for small installs. The presented token is hashed and compared with
 * every client's hash in constant time, the loop never stopping early, so neither the
 * comparison nor the position of a match shows in the answer time.
 */
export function staticTokenAuthenticator(json: string): Authenticator {
  const clients = parseStaticClients(json);
  return (authorization) => {
    const presented = sha256(bearerToken(authorization));
    let found: Principal | undefined;
    for (const client of clients) {
      if (timingSafeEqual(presented, client.hash)) found ??= client.principal;
    }
    if (!found) return Promise.reject(new AuthError(401, 'InvalidToken', 'the token is not valid'));
    return Promise.resolve(found);
  };
}
