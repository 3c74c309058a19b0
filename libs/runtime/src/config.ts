/** How to read one configuration key from the environment. */
export interface ConfigKey<T> {
  /** The environment variable (always `LINEBACKER_*`). */
  env: string;
  /** One line for the documentation table and error messages. */
  doc: string;
  /** Used when the variable is unset; a key without a default is required. */
  default?: T;
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
 * Validates every key against the environment and returns a frozen config. Collects every
 * problem before throwing, so an operator fixes them in one go.
 */
export function loadConfig<C>(
  schema: ConfigSchema<C>,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<C> {
  const problems: string[] = [];
  const result = {} as C;
  for (const field of Object.keys(schema) as (keyof C)[]) {
    const key = schema[field];
    const raw = env[key.env];
    if (raw === undefined || raw === '') {
      if (key.default === undefined) problems.push(`${key.env} is required (${key.doc})`);
      else result[field] = key.default;
      continue;
    }
    try {
      result[field] = key.parse(raw);
    } catch (error) {
      problems.push(`${key.env}=${JSON.stringify(raw)}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result);
}

/** A markdown table documenting a schema (env var, default, meaning). */
export function describeConfig<C>(schema: ConfigSchema<C>): string {
  const rows = Object.values<ConfigKey<unknown>>(schema).map(
    (key) =>
      `| \`${key.env}\` | ${key.default === undefined ? '(required)' : `\`${String(key.default)}\``} | ${key.doc} |`,
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
  oneOf:
    <T extends string>(...values: T[]) =>
    (raw: string): T => {
      if (!(values as string[]).includes(raw))
        throw new Error(`must be one of ${values.join(', ')}`);
      return raw as T;
    },
};

/**
 * `loadConfig` for an app's `main.ts`: on a bad configuration it prints one JSON error line
 * naming every problem and exits 1, before any dependency is touched.
 */
export function loadConfigOrExit<C>(
  service: string,
  schema: ConfigSchema<C>,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<C> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `${JSON.stringify({ level: 'error', service, message: error.message, problems: error.problems, outcome: 'bad-config' })}\n`,
    );
    process.exit(1);
  }
}
