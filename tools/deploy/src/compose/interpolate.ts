type Env = Readonly<Record<string, string | undefined>>;

/** The index of the `}` closing the `${` whose body starts at `start` (nesting counted). */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text.startsWith('${', i)) {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) {
      return i;
    }
  }
  return -1;
}

/** One `${…}` body: `NAME`, `NAME:-default`, `NAME-default`, `NAME:?message`, `NAME?message`. */
function expand(body: string, env: Env, problems: string[]): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([\s\S]*))?$/.exec(body);
  if (!match) {
    problems.push(`\${${body}} is not a valid substitution`);
    return '';
  }
  const [, name = '', operator, argument = ''] = match;
  const value = env[name];
  const unset = value === undefined || (operator?.startsWith(':') === true && value === '');
  if (!unset || operator === undefined) return value ?? '';
  // The default may itself hold substitutions (`${A:-${B}}`), expanded only when used.
  if (operator.endsWith('-')) return interpolate(argument, env, problems);
  problems.push(`\${${name}} must be set${argument ? `: ${interpolate(argument, env)}` : ''}`);
  return '';
}

/**
 * Compose's variable interpolation for one string: `$$` is a literal `$`; `${NAME}` and
 * `$NAME` take the value; `${NAME:-default}` / `${NAME-default}` fall back when unset (`:-`
 * also when empty), and defaults may nest; `${NAME:?message}` / `${NAME?message}` make it an
 * error to leave it unset. Problems are appended to `problems`.
 */
export function interpolate(text: string, env: Env, problems: string[] = []): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$') {
      out += text[i];
    } else if (text[i + 1] === '$') {
      out += '$';
      i++;
    } else if (text[i + 1] === '{') {
      const end = closingBrace(text, i + 2);
      if (end < 0) {
        problems.push(`unclosed \${ in "${text}"`);
        return out;
      }
      out += expand(text.slice(i + 2, end), env, problems);
      i = end;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      out += name === undefined ? '$' : (env[name] ?? '');
      i += name?.length ?? 0;
    }
  }
  return out;
}

/** Interpolates every string inside a parsed YAML document (keys stay as they are). */
export function interpolateDeep(value: unknown, env: Env, problems: string[] = []): unknown {
  if (typeof value === 'string') return interpolate(value, env, problems);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, env, problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, env, problems)]),
    );
  }
  return value;
}
