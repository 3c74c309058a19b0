import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';

/** docker/observability, where the rules, the scrape config and Grafana's files live. */
export const observabilityDir = (workspaceRoot: string): string =>
  join(workspaceRoot, 'docker', 'observability');

/** One alerting rule as the rules file holds it. */
export interface AlertRule {
  alert?: unknown;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/** The rules of `alerts.yml`, group by group. */
export function alertRules(workspaceRoot: string): { group: string; rule: AlertRule }[] {
  const text = readFileSync(join(observabilityDir(workspaceRoot), 'alerts.yml'), 'utf8');
  const document = parse(text) as { groups?: { name: string; rules?: AlertRule[] }[] };
  return (document.groups ?? []).flatMap((group) =>
    (group.rules ?? []).map((rule) => ({ group: group.name, rule })),
  );
}

/** The Grafana dashboard shipped with the Compose profile. */
export interface Dashboard {
  uid: string;
  panels: {
    id: number;
    type: string;
    title: string;
    datasource?: { uid?: string };
    targets?: { expr: string; datasource?: { uid?: string } }[];
  }[];
}

/** The dashboard JSON. */
export function dashboard(workspaceRoot: string): Dashboard {
  const file = join(observabilityDir(workspaceRoot), 'grafana', 'dashboards', 'linebacker.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
}

/**
 * A panel's query as Prometheus will see it: Grafana replaces its interval variables before
 * sending, so they are replaced here by a duration of the same kind.
 */
export function asPrometheusQuery(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m');
}

/** Every query of every panel, with the panel it belongs to. */
export function dashboardQueries(board: Dashboard): { panel: string; expr: string }[] {
  return board.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      panel: panel.title,
      expr: asPrometheusQuery(target.expr),
    })),
  );
}

/**
 * The metric names a PromQL expression selects, read from Prometheus' own lezer grammar
 * (a vector selector's identifier); throws on an expression the grammar does not accept.
 */
export function promqlMetricNames(expr: string): string[] {
  const names = new Set<string>();
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector')
        names.add(expr.slice(node.from, node.to));
    },
  });
  if (errors.length > 0) throw new Error(`not PromQL (at offset ${errors.join(', ')}): ${expr}`);
  return [...names];
}

/**
 * The series names a Prometheus text exposition offers, from its `# TYPE` lines (present
 * even for a labelled metric with no series yet); a histogram offers its `_bucket`, `_sum`
 * and `_count` series, a summary its quantiles, `_sum` and `_count`.
 */
export function exportedSeriesNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = match;
    names.add(name);
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** Series Prometheus writes itself for every target, not read from any app. */
export const SCRAPE_SERIES: readonly string[] = ['up'];
