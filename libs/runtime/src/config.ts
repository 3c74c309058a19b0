import { readFileSync } from 'node:fs';

/** How to read one configuration key from the environment. */
export interface ConfigKey<T> {
  /** The environment variable (always `LINEBACKER_*`). */
  env: string;
  /** One line for the documentation table and error messages. */
  doc: string;
  /** Used when the variable is unset; a key without a default is required. */
  default?: T;
  /**
   * The value is a credential (a token list, a URL that may hold a password): it may come from
   * the file named by `<env>_FILE` instead, and no error message ever shows it.
   */
  secret?: boolean;
  parse(raw: string): T;
}

/** A configuration schema: one key per field. */
export type ConfigSchema<C> = { [K in keyof C]: ConfigKey<C[K]> };

/** Every problem found in the environment, reported at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The URL with its password (and any query string, which may hold one) replaced by `***`; a
 * comma-separated list of URLs (a cluster's nodes) with each one redacted. Anything that does
 * not parse is hidden whole, so a password holding a comma never shows in part.
 */
export function redactUrl(raw: string): string {
  const parts = raw.split(',');
  if (parts.length === 1) return redactOneUrl(raw);
  const redacted = parts.map((part) => redactOneUrl(part.trim()));
  return redacted.includes('***') ? '***' : redacted.join(',');
}

function redactOneUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (!url.password && !url.search) return raw;
    if (url.password) url.password = '***';
    if (url.search) url.search = '?***';
    return url.toString();
  } catch {
    return '***';
  }
}

/**
 * Scrubs a secret value out of a message (a parser may quote what it could not read), and any
 * URL password in it.
 */
export function scrubSecret(message: string, secret: string): string {
  const withoutValue = secret.length > 0 ? message.split(secret).join('***') : message;
  return withoutValue.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]*:)[^@\s]*@/gi, '$1***@');
}

/**
 * A value as a problem may show it: a secret URL without its password (the rest helps to
 * spot a wrong host), any other secret not at all, a plain value with URL passwords scrubbed.
 */
function shownValue(key: ConfigKey<unknown>, raw: string): string {
  if (!key.secret) return JSON.stringify(scrubSecret(raw, ''));
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? JSON.stringify(redactUrl(raw)) : '(value hidden)';
}

/** The raw value of a key: the variable itself, or the contents of the file `<env>_FILE` names. */
function rawValue(
  key: ConfigKey<unknown>,
  env: Readonly<Record<string, string | undefined>>,
): { raw?: string; problem?: string } {
  const direct = env[key.env];
  const file = key.secret ? env[`${key.env}_FILE`] : undefined;
  if (file === undefined || file === '') return { raw: direct };
  if (direct !== undefined && direct !== '')
    return { problem: `set ${key.env} or ${key.env}_FILE, not both` };
  let raw: string;
  try {
    // Files written by editors and secret stores end with a newline that is not part of it.
    raw = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    return { problem: `${key.env}_FILE=${JSON.stringify(file)}: ${(error as Error).message}` };
  }
  // An empty file is a secret mount gone wrong, not a deliberate "unset": said, not defaulted.
  if (raw.trim() === '')
    return { problem: `${key.env}_FILE=${JSON.stringify(file)}: the file is empty` };
  return { raw };
}

/**
 * Validates every key against the environment and returns a frozen config. Collects every
 * problem before throwing, so an operator fixes them in one go. A secret key's value never
 * appears in a problem, and a URL's password never does either.
 */
export function loadConfig<C>(
  schema: ConfigSchema<C>,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<C> {
  const problems: string[] = [];
  const result = {} as C;
  for (const field of Object.keys(schema) as (keyof C)[]) {
    const key = schema[field];
    const { raw, problem } = rawValue(key, env);
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    if (raw === undefined || raw === '') {
      if (key.default === undefined) problems.push(`${key.env} is required (${key.doc})`);
      else result[field] = key.default;
      continue;
    }
    try {
      result[field] = key.parse(raw);
    } catch (error) {
      const reason = scrubSecret((error as Error).message, key.secret ? raw : '');
      problems.push(`${key.env}=${shownValue(key, raw)}: ${reason}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result);
}

/** A markdown table documenting a schema (env var, default, meaning). */
export function describeConfig<C>(schema: ConfigSchema<C>): string {
  const rows = Object.values<ConfigKey<unknown>>(schema).map(
    (key) =>
      `| \`${key.env}\` | ${key.default === undefined ? '(required)' : `\`${String(key.default)}\``} | ${key.doc}${key.secret ? ` (secret: or a file named by \`${key.env}_FILE\`)` : ''} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** Parsers for common value types. */
export const parse = {
  string: (raw: string): string => raw,
  integer:
    (min: number, max: number = Number.MAX_SAFE_INTEGER) =>
    (raw: string): number => {
      if (!/^-?\d+$/.test(raw)) throw new Error('not an integer');
      const value = Number(raw);
      if (value < min || value > max) throw new Error(`must be between ${min} and ${max}`);
      return value;
    },
  number:
    (min: number, max: number) =>
    (raw: string): number => {
      const value = Number(raw);
      if (!Number.isFinite(value) || raw.trim() === '') throw new Error('not a number');
      if (value < min || value > max) throw new Error(`must be between ${min} and ${max}`);
      return value;
    },
  boolean: (raw: string): boolean => {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    throw new Error('not a boolean (true/false)');
  },
  url:
    (...protocols: string[]) =>
    (raw: string): string => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new Error('not a URL');
      }
      if (protocols.length > 0 && !protocols.includes(url.protocol.replace(/:$/, ''))) {
        throw new Error(`protocol must be one of ${protocols.join(', ')}`);
      }
      return raw;
    },
  /**
   * A comma-separated list of URLs (a cluster's nodes), each checked as `url` does; returns
   * the list trimmed. A problem names the entry by position, never by value.
   */
  urlList:
    (...protocols: string[]) =>
    (raw: string): string => {
      const entries = raw.split(',').map((entry) => entry.trim());
      const one = parse.url(...protocols);
      entries.forEach((entry, index) => {
        try {
          if (entry === '') throw new Error('empty');
          one(entry);
        } catch (error) {
          const which = entries.length > 1 ? `entry ${index + 1}: ` : '';
          throw new Error(`${which}${(error as Error).message}`);
        }
      });
      return entries.join(',');
    },
  oneOf:
    <T extends string>(...values: T[]) =>
    (raw: string): T => {
      if (!(values as string[]).includes(raw))
        throw new Error(`must be one of ${values.join(', ')}`);
      return raw as T;
    },
};

/**
 * `loadConfig` for an app's `main.ts` (plus `validate`, checks of keys taken together): on a
 * bad configuration it prints one JSON error line naming every problem and exits 1, before
 * any dependency is touched.
 */
export function loadConfigOrExit<C>(
  service: string,
  schema: ConfigSchema<C>,
  env: Readonly<Record<string, string | undefined>>,
  validate?: (config: Readonly<C>) => void,
): Readonly<C> {
  try {
    const config = loadConfig(schema, env);
    validate?.(config);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `${JSON.stringify({ level: 'error', service, message: error.message, problems: error.problems, outcome: 'bad-config' })}\n`,
    );
    process.exit(1);
  }
}
