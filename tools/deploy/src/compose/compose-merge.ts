/**
 * Compose's merge of several files (`docker compose -f a.yaml -f b.yaml`), for the parsed,
 * not yet interpolated documents: the subset of the compose specification's merge rules that
 * linebacker's files use. Mappings merge key by key, the later file winning; `command`,
 * `entrypoint` and `healthcheck.test` are replaced whole; `volumes` and `secrets` of a service
 * are unique by their target in the container (a later mount at the same path replaces the
 * earlier one), `ports` by their whole text; any other sequence is appended to.
 */

type Node = unknown;

const isMapping = (value: Node): value is Record<string, Node> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Sequences Compose replaces instead of appending to, by path below a service. */
const REPLACED = new Set(['command', 'entrypoint', 'healthcheck.test']);

/** The container path a service's volume or secret entry is unique by. */
function mountTarget(kind: 'volumes' | 'secrets', entry: Node): string {
  if (kind === 'volumes') {
    if (typeof entry === 'string') return entry.split(':')[1] ?? entry;
    return String((entry as { target?: string }).target ?? '');
  }
  if (typeof entry === 'string') return `/run/secrets/${entry}`;
  const { source, target } = entry as { source?: string; target?: string };
  return target?.startsWith('/') ? target : `/run/secrets/${target ?? source ?? ''}`;
}

function mergeUnique(base: Node[], override: Node[], key: (entry: Node) => string): Node[] {
  const merged = new Map<string, Node>(base.map((entry) => [key(entry), entry]));
  for (const entry of override) merged.set(key(entry), entry);
  return [...merged.values()];
}

/** `environment` as a map, whichever form the file used (list entries without `=` stay unset). */
function environmentMap(value: Node): Record<string, Node> {
  if (!Array.isArray(value)) return isMapping(value) ? value : {};
  return Object.fromEntries(
    value.map((entry) => {
      const text = String(entry);
      const at = text.indexOf('=');
      return at < 0 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
    }),
  );
}

function mergeService(base: Node, override: Node, path = ''): Node {
  if (override === undefined) return base;
  if (base === undefined) return override;
  if (path === 'environment') {
    return { ...environmentMap(base), ...environmentMap(override) };
  }
  if (Array.isArray(base) && Array.isArray(override)) {
    if (REPLACED.has(path)) return override;
    if (path === 'volumes' || path === 'secrets')
      return mergeUnique(base, override, (entry) => mountTarget(path, entry));
    if (path === 'ports') return mergeUnique(base, override, (entry) => JSON.stringify(entry));
    return [...base, ...override];
  }
  if (isMapping(base) && isMapping(override)) {
    const merged: Record<string, Node> = { ...base };
    for (const [key, value] of Object.entries(override)) {
      merged[key] = mergeService(base[key], value, path ? `${path}.${key}` : key);
    }
    return merged;
  }
  return override;
}

/** The document Compose runs for these files, in order (each a parsed YAML document). */
export function mergeComposeDocuments(documents: readonly Node[]): Node {
  return documents.reduce((merged: Node, document: Node) => {
    if (!isMapping(merged)) return document;
    if (!isMapping(document)) return merged;
    const result: Record<string, Node> = { ...merged };
    for (const [key, value] of Object.entries(document)) {
      if (key === 'services' && isMapping(merged[key]) && isMapping(value)) {
        const services: Record<string, Node> = { ...merged[key] };
        for (const [name, service] of Object.entries(value))
          services[name] = mergeService(services[name], service);
        result[key] = services;
      } else if (isMapping(merged[key]) && isMapping(value)) {
        result[key] = { ...merged[key], ...value };
      } else {
        result[key] = value;
      }
    }
    return result;
  });
}
