import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@linebacker/testing';
import { parse, stringify } from 'yaml';
import {
  alertRules,
  dashboard,
  dashboardQueries,
  exportedSeriesNames,
  observabilityDir,
  promqlMetricNames,
} from './observability-files';

const SEVERITIES = ['critical', 'warning', 'info'];

/** Runs promtool (Debian's `prometheus` package; tools/ci/ensure-services.sh installs it). */
function promtool(...args: string[]): string {
  return execFileSync('promtool', args, { encoding: 'utf8', stdio: 'pipe' });
}

/** The `{#anchor}`s a Markdown file's headings get on GitHub. */
function headingAnchors(file: string): Set<string> {
  const headings = readFileSync(file, 'utf8').match(/^#+ .+$/gm) ?? [];
  return new Set(
    headings.map((heading) =>
      heading
        .replace(/^#+ /, '')
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replaceAll(' ', '-'),
    ),
  );
}

describe('docker/observability/alerts.yml', () => {
  const rules = alertRules(WORKSPACE_ROOT);

  it('passes promtool check rules', () => {
    const file = join(observabilityDir(WORKSPACE_ROOT), 'alerts.yml');
    expect(promtool('check', 'rules', file)).toMatch(`SUCCESS: ${rules.length} rules found`);
  });

  it('gives every rule a unique name, a for, a severity and what to do', () => {
    expect(rules.length).toBeGreaterThan(0);
    const names = rules.map(({ rule }) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const { rule } of rules) {
      expect(rule).toMatchObject({
        alert: expect.stringMatching(/^Linebacker[A-Z]\w+$/),
        expr: expect.any(String),
        for: expect.stringMatching(/^\d+[smh]$/),
        labels: { severity: expect.stringMatching(new RegExp(`^(${SEVERITIES.join('|')})$`)) },
        annotations: {
          summary: expect.any(String),
          description: expect.any(String),
          runbook: expect.stringMatching(/^docs\/[\w-]+\.md#[\w-]+$/),
        },
      });
    }
  });

  it('links every rule to a section of the docs that exists', () => {
    for (const { rule } of rules) {
      const [file = '', anchor = ''] = String(rule.annotations?.['runbook']).split('#');
      const path = join(WORKSPACE_ROOT, file);
      expect({ alert: rule.alert, exists: existsSync(path) }).toEqual({
        alert: rule.alert,
        exists: true,
      });
      expect({ alert: rule.alert, anchor: headingAnchors(path).has(anchor) }).toEqual({
        alert: rule.alert,
        anchor: true,
      });
    }
  });

  it('names only metrics the PromQL grammar reads as selectors', () => {
    const names = rules.flatMap(({ rule }) => promqlMetricNames(String(rule.expr)));
    expect(names).toContain('linebacker_outbox_oldest_age_seconds');
  });
});

describe('docker/observability/prometheus.yml', () => {
  it('passes promtool check config, with its rule file where the container mounts it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-config-'));
    try {
      const config = parse(
        readFileSync(join(observabilityDir(WORKSPACE_ROOT), 'prometheus.yml'), 'utf8'),
      ) as { rule_files: string[] };
      expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
      config.rule_files = [join(observabilityDir(WORKSPACE_ROOT), 'alerts.yml')];
      const file = join(dir, 'prometheus.yml');
      writeFileSync(file, stringify(config));
      expect(promtool('check', 'config', file)).toMatch('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the Grafana dashboard and its provisioning', () => {
  const board = dashboard(WORKSPACE_ROOT);
  const grafana = join(observabilityDir(WORKSPACE_ROOT), 'grafana');

  it('queries the provisioned datasource in every panel, with unique panel ids', () => {
    const datasources = parse(
      readFileSync(join(grafana, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
    ) as { datasources: { uid: string }[] };
    const uid = datasources.datasources[0]?.uid;
    const ids = board.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of board.panels.filter((p) => p.type !== 'row')) {
      expect({ panel: panel.title, uid: panel.datasource?.uid }).toEqual({
        panel: panel.title,
        uid,
      });
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
  });

  it('has only valid PromQL in its panels (promtool checks them as recording rules)', () => {
    const queries = dashboardQueries(board);
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-rules-'));
    try {
      const file = join(dir, 'panels.yml');
      const recorded = queries.map(({ expr }, i) => ({ record: `dashboard:query_${i}`, expr }));
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: recorded }] }));
      expect(promtool('check', 'rules', file)).toMatch(`SUCCESS: ${queries.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const { expr } of queries) expect(promqlMetricNames(expr).length).toBeGreaterThan(0);
  });
});

describe('promqlMetricNames', () => {
  it('reads selectors, not functions, labels or label values', () => {
    expect(
      promqlMetricNames(
        'sum by (status) (rate(a_total{status=~"b_total"}[5m])) / on() group_left max(c) or absent(up)',
      ).sort(),
    ).toEqual(['a_total', 'c', 'up']);
  });

  it('refuses what is not PromQL', () => {
    expect(() => promqlMetricNames('sum(rate(a_total[5m])')).toThrow(/not PromQL/);
  });
});

describe('exportedSeriesNames', () => {
  it('offers a histogram as its bucket, sum and count series', () => {
    const names = exportedSeriesNames('# HELP h x\n# TYPE h histogram\n# TYPE c_total counter\n');
    expect([...names].sort()).toEqual(['c_total', 'h', 'h_bucket', 'h_count', 'h_sum']);
  });
});
