import { parse, type ConfigSchema } from '@linebacker/runtime';
import { pipelineConfigSchema, type PipelineConfig } from '../config/pipeline.config';
import {
  interfaceQueuesConfigSchema,
  type InterfaceQueuesConfig,
} from '../config/interface.config';
import { authConfigSchema, type AuthSettings } from '@linebacker/http-api';
import { callbackPolicyConfigSchema, type CallbackPolicySettings } from '@linebacker/callbacks';

/** The HTTP receiver's own settings. */
export interface ReceiverSettings extends AuthSettings, CallbackPolicySettings {
  httpHost: string;
  httpPort: number;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  trustProxy: string;
  maxConnections: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  healthTimeoutMs: number;
  healthCacheMs: number;
  dataDateMaxAgeDays: number;
  dataDateMaxAheadDays: number;
}

/** The receiver's full configuration. */
export type ReceiverConfig = PipelineConfig & InterfaceQueuesConfig & ReceiverSettings;

/** `false`, `true`, a hop count or a list of addresses/CIDRs, as Fastify's `trustProxy`. */
function trustProxy(raw: string): string {
  if (/^(true|false|\d{1,2})$/.test(raw) || /^[0-9a-f.:/, ]+$/i.test(raw)) return raw;
  throw new Error('false, true, a hop count, or addresses/CIDRs separated by commas');
}

/** Every key the receiver reads. Its health port is the operator listener (127.0.0.1:9100). */
export const receiverConfigSchema: ConfigSchema<ReceiverConfig> = {
  ...pipelineConfigSchema(9100),
  ...interfaceQueuesConfigSchema,
  ...authConfigSchema,
  ...callbackPolicyConfigSchema,
  httpHost: {
    env: 'LINEBACKER_HTTP_HOST',
    doc: 'address the API listens on',
    default: '127.0.0.1',
    parse: parse.string,
  },
  httpPort: {
    env: 'LINEBACKER_HTTP_PORT',
    doc: 'port of the API (backup requests, livez, readyz); operator pages are on the health port',
    default: 8080,
    parse: parse.integer(0, 65535),
  },
  bodyLimitBytes: {
    env: 'LINEBACKER_HTTP_BODY_LIMIT_BYTES',
    doc: 'largest accepted body (413 above)',
    default: 16384,
    parse: parse.integer(256),
  },
  rateLimitPerMinute: {
    env: 'LINEBACKER_HTTP_RATE_LIMIT_PER_MINUTE',
    doc: 'API requests per minute per client (per address when unauthenticated); 0 = off',
    default: 6000,
    parse: parse.integer(0),
  },
  trustProxy: {
    env: 'LINEBACKER_HTTP_TRUST_PROXY',
    doc: 'trust X-Forwarded-For from: false, true, a hop count, or addresses/CIDRs',
    default: 'false',
    parse: trustProxy,
  },
  maxConnections: {
    env: 'LINEBACKER_HTTP_MAX_CONNECTIONS',
    doc: 'open client connections at most (more are refused)',
    default: 1024,
    parse: parse.integer(1),
  },
  requestTimeoutMs: {
    env: 'LINEBACKER_HTTP_REQUEST_TIMEOUT_MS',
    doc: 'whole-request deadline',
    default: 10000,
    parse: parse.integer(100),
  },
  headersTimeoutMs: {
    env: 'LINEBACKER_HTTP_HEADERS_TIMEOUT_MS',
    doc: 'deadline for a request’s headers (slow-loris bound)',
    default: 5000,
    parse: parse.integer(100),
  },
  keepAliveTimeoutMs: {
    env: 'LINEBACKER_HTTP_KEEP_ALIVE_TIMEOUT_MS',
    doc: 'idle keep-alive connections are closed after this long',
    default: 5000,
    parse: parse.integer(100),
  },
  healthTimeoutMs: {
    env: 'LINEBACKER_HEALTH_TIMEOUT_MS',
    doc: 'bound of each readyz/healthz probe (database, each queue); slower counts as down',
    default: 1000,
    parse: parse.integer(50, 60000),
  },
  healthCacheMs: {
    env: 'LINEBACKER_HEALTH_CACHE_MS',
    doc: 'healthz and readyz answers are reused this long (one probe round per period)',
    default: 2000,
    parse: parse.integer(0, 60000),
  },
  dataDateMaxAgeDays: {
    env: 'LINEBACKER_DATA_DATE_MAX_AGE_DAYS',
    doc: 'oldest accepted dataDate, in days before today (UTC)',
    default: 3650,
    parse: parse.integer(0, 36500),
  },
  dataDateMaxAheadDays: {
    env: 'LINEBACKER_DATA_DATE_MAX_AHEAD_DAYS',
    doc: 'latest accepted dataDate, in days after today (UTC)',
    default: 1,
    parse: parse.integer(0, 3650),
  },
};
