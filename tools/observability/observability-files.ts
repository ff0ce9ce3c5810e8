import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/** What the tests read: deploy/prometheus and deploy/grafana, and Debian's Prometheus binaries. */
export const ROOT = path.resolve(__dirname, '../..');
export const PROMETHEUS_DIR = path.join(ROOT, 'deploy/prometheus');
export const GRAFANA_DIR = path.join(ROOT, 'deploy/grafana');
export const DASHBOARDS_DIR = path.join(GRAFANA_DIR, 'dashboards');
export const PROMTOOL = '/usr/bin/promtool';
export const PROMETHEUS = '/usr/bin/prometheus';

export const RULE_FILES = readdirSync(path.join(PROMETHEUS_DIR, 'rules'))
  .filter((name) => name.endsWith('.rules.yml'))
  .map((name) => path.join(PROMETHEUS_DIR, 'rules', name));

export const RULE_TEST_FILES = readdirSync(path.join(PROMETHEUS_DIR, 'tests'))
  .filter((name) => name.endsWith('.test.yml'))
  .map((name) => path.join(PROMETHEUS_DIR, 'tests', name));

export interface Rule {
  file: string;
  group: string;
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleFile {
  groups: { name: string; rules: Omit<Rule, 'file' | 'group'>[] }[];
}

/** Every recording and alerting rule under deploy/prometheus/rules. */
export function loadRules(): Rule[] {
  return RULE_FILES.flatMap((file) =>
    (parse(readFileSync(file, 'utf8')) as RuleFile).groups.flatMap((group) =>
      group.rules.map((rule) => ({ ...rule, file, group: group.name })),
    ),
  );
}

export interface ExecResult {
  code: number | null;
  output: string;
}

/** Runs a program to its end; stdout and stderr together (promtool writes its verdicts to both). */
export function execute(program: string, args: string[], cwd = ROOT): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

export const promtool = (...args: string[]): Promise<ExecResult> => execute(PROMTOOL, args);

export interface GrafanaTarget {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

export interface GrafanaPanel {
  id?: number;
  title?: string;
  type: string;
  datasource?: { type?: string; uid?: string };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: GrafanaPanel[];
  templating?: {
    list: { name: string; type: string; query?: unknown; datasource?: { uid?: string } }[];
  };
}

export interface Dashboard {
  file: string;
  json: GrafanaDashboard;
}

export function loadDashboards(): Dashboard[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({
      file: name,
      json: JSON.parse(readFileSync(path.join(DASHBOARDS_DIR, name), 'utf8')) as GrafanaDashboard,
    }));
}

/** Every panel, those inside collapsed rows included. */
export function allPanels(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

export function panelQueries(dashboards: Dashboard[] = loadDashboards()): PanelQuery[] {
  return dashboards.flatMap(({ file, json }) =>
    allPanels(json).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        dashboard: file,
        panel: panel.title ?? `panel ${panel.id ?? '?'}`,
        refId: target.refId ?? '?',
        expr: target.expr ?? '',
      })),
    ),
  );
}

/**
 * A panel's query as Prometheus receives it: Grafana's interval variables become a window, and the
 * dashboards' own variables match everything (as "All" does).
 */
export function resolveVariables(expr: string, window = '5m'): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, window)
    .replace(/\$\{?(instance|language|group)\}?/g, '.*');
}

/** The uid of the Prometheus datasource that deploy/grafana provisions. */
export function provisionedDatasource(): { uid: string; type: string; url: string } {
  const file = path.join(GRAFANA_DIR, 'provisioning/datasources/prometheus.yml');
  const config = parse(readFileSync(file, 'utf8')) as {
    datasources: { uid: string; type: string; url: string }[];
  };
  const [datasource] = config.datasources;
  if (!datasource || config.datasources.length !== 1) {
    throw new Error(`${file} should provision exactly one datasource`);
  }
  return datasource;
}
