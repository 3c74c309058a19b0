/**
 * Compose's variable interpolation for one string: `$$` is a literal `$`; `${NAME}` and
 * `$NAME` take the value; `${NAME:-default}` / `${NAME-default}` fall back when unset (`:-`
 * also when empty); `${NAME:?message}` / `${NAME?message}` make it an error to leave it unset.
 * Problems (a required variable left unset) are appended to `problems`.
 */
export function interpolate(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[] = [],
): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      const unset = value === undefined || (operator?.startsWith(':') === true && value === '');
      if (!unset || operator === undefined) return value ?? '';
      if (operator.endsWith('-')) return interpolate(argument ?? '', env, problems);
      problems.push(`\${${name}} must be set${argument ? `: ${argument}` : ''}`);
      return '';
    },
  );
}

/** Interpolates every string inside a parsed YAML document (keys stay as they are). */
export function interpolateDeep(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[] = [],
): unknown {
  if (typeof value === 'string') return interpolate(value, env, problems);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, env, problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, env, problems)]),
    );
  }
  return value;
}
