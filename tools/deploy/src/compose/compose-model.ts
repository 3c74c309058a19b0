/** A Compose service, loosely typed: the schema check has already vetted its shape. */
export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  depends_on?: string[] | Record<string, { condition?: string; required?: boolean }>;
  healthcheck?: { disable?: boolean; test?: unknown };
  profiles?: string[];
  restart?: string;
  stop_grace_period?: string;
  volumes?: (string | { type?: string; source?: string })[];
  secrets?: (string | { source: string; target?: string })[];
}

/** The parts of a Compose document the cross-reference checks read. */
export interface ComposeDocument {
  services?: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string; environment?: string }>;
}

/** Where Docker mounts a service's secret named `name` (the short and the usual long form). */
export function secretPaths(service: ComposeService): Map<string, string> {
  const paths = new Map<string, string>();
  for (const secret of service.secrets ?? []) {
    const { source, target } = typeof secret === 'string' ? { source: secret } : secret;
    const path = target?.startsWith('/') ? target : `/run/secrets/${target ?? source}`;
    paths.set(path, source);
  }
  return paths;
}

/** A service's `environment` as a map (list entries without `=` are passed through unset). */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment
        .filter((entry) => entry.includes('='))
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    );
  }
  return Object.fromEntries(
    Object.entries(environment)
      .filter(([, value]) => value !== null)
      .map(([name, value]) => [name, String(value)]),
  );
}

/** `depends_on` in its long form, whichever form the file used. */
export function dependencies(
  service: ComposeService,
): Record<string, { condition?: string; required?: boolean }> {
  const dependsOn = service.depends_on ?? {};
  return Array.isArray(dependsOn)
    ? Object.fromEntries(dependsOn.map((name) => [name, { condition: 'service_started' }]))
    : dependsOn;
}

/** A Compose duration (`15s`, `1m30s`, `500ms`) in milliseconds; undefined if unparseable. */
export function durationMs(text: string): number | undefined {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return undefined;
  return parts.reduce((sum, part) => sum + Number(part[1]) * (units[part[2] as string] ?? 0), 0);
}
