import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import type { RunningApp } from './app-environment';
import type { ComposeDocument, ComposeService } from './compose-model';

/** Where the Prometheus image reads its configuration. */
export const PROMETHEUS_CONFIG_PATH = '/etc/prometheus/prometheus.yml';

interface ScrapeConfig {
  job_name?: string;
  dns_sd_configs?: { names?: string[]; port?: number }[];
  static_configs?: { targets?: string[] }[];
}

/** The bind mounts of a service as container path → host path (resolved from composeDir). */
function bindMounts(service: ComposeService, composeDir: string): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    if (typeof volume !== 'string') continue;
    const [source, target] = volume.split(':');
    if (source && target && /^[./]/.test(source)) mounts.set(target, resolve(composeDir, source));
  }
  return mounts;
}

/** Every `host:port` a scrape config reaches (a DNS name stands for all its replicas). */
function scrapeTargets(configs: readonly ScrapeConfig[]): Set<string> {
  const targets = new Set<string>();
  for (const config of configs) {
    for (const dns of config.dns_sd_configs ?? [])
      for (const name of dns.names ?? []) targets.add(`${name}:${dns.port ?? ''}`);
    for (const group of config.static_configs ?? [])
      for (const target of group.targets ?? []) targets.add(target);
  }
  return targets;
}

/**
 * The Prometheus a Compose file runs (the service mounting a Prometheus config) must scrape
 * every app that serves /metrics on its health port, at the port the app gets there, and its
 * rule files must be mounted. Nothing to check when no service runs Prometheus.
 */
export function prometheusScrapeProblems(
  document: ComposeDocument,
  apps: readonly RunningApp[],
  composeDir: string,
): string[] {
  const found = Object.entries(document.services ?? {})
    .map(([name, service]) => ({ name, mounts: bindMounts(service, composeDir) }))
    .find(({ mounts }) => mounts.has(PROMETHEUS_CONFIG_PATH));
  if (!found) return [];
  const where = `services.${found.name}`;
  const file = found.mounts.get(PROMETHEUS_CONFIG_PATH) ?? '';
  if (!existsSync(file)) return [`${where}.volumes: ${file} does not exist`];
  const config = parse(readFileSync(file, 'utf8')) as {
    rule_files?: string[];
    scrape_configs?: ScrapeConfig[];
  };
  const problems: string[] = [];
  for (const rules of config.rule_files ?? [])
    if (!found.mounts.has(rules)) problems.push(`${file}: rule file ${rules} is not mounted`);
  const targets = scrapeTargets(config.scrape_configs ?? []);
  for (const app of apps) {
    const port = app.config['healthPort'];
    if (typeof port !== 'number') continue;
    if (!targets.has(`${app.service}:${port}`))
      problems.push(
        `${file}: no scrape job reaches services.${app.service} on its health port ${port}`,
      );
  }
  return problems;
}
