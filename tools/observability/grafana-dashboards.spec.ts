import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import {
  allPanels,
  GRAFANA_DIR,
  loadDashboards,
  panelQueries,
  promtool,
  provisionedDatasource,
  resolveVariables,
} from './observability-files';

const SERVICES = ['path', 'task-generation', 'evaluation', 'tutor-gateway', 'analytics'];

describe('deploy/grafana', () => {
  const datasource = provisionedDatasource();
  const dashboards = loadDashboards();

  it('provisions one Prometheus datasource and a provider that loads the dashboards', () => {
    expect(datasource).toMatchObject({ type: 'prometheus', uid: 'studypath-prometheus' });
    const providers = parse(
      readFileSync(path.join(GRAFANA_DIR, 'provisioning/dashboards/studypath.yml'), 'utf8'),
    ) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
    expect(providers).toMatchObject({
      apiVersion: 1,
      providers: [{ type: 'file', options: { path: expect.any(String) } }],
    });
  });

  it('has the SLO overview, the submission pipeline and one dashboard per service, each with its own uid', () => {
    expect(dashboards.map((d) => d.file).sort()).toEqual(
      [
        'slo-overview.json',
        'submission-pipeline.json',
        ...SERVICES.map((service) => `service-${service}.json`),
      ].sort(),
    );
    const uids = dashboards.map((d) => d.json.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const { json } of dashboards) {
      expect(json).toMatchObject({ title: expect.any(String), schemaVersion: 39 });
    }
  });

  it('every panel and every query variable reads the provisioned datasource, and every target has a query', () => {
    const wrong: string[] = [];
    for (const { file, json } of dashboards) {
      for (const panel of allPanels(json).filter((p) => p.type !== 'row')) {
        const where = `${file}: ${panel.title ?? '?'}`;
        if (panel.datasource?.uid !== datasource.uid) wrong.push(`${where} (panel)`);
        if (!panel.targets?.length) wrong.push(`${where} (no targets)`);
        for (const target of panel.targets ?? []) {
          if (target.datasource?.uid !== datasource.uid) wrong.push(`${where} ${target.refId}`);
          if (!target.expr?.trim()) wrong.push(`${where} ${target.refId} (no expr)`);
        }
      }
      for (const variable of json.templating?.list ?? []) {
        if (variable.type === 'query' && variable.datasource?.uid !== datasource.uid) {
          wrong.push(`${file}: variable ${variable.name}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('every panel query and every variable query parses as PromQL (promtool check rules)', async () => {
    // promtool has no command that parses a bare query; as the expression of a recording rule it
    // goes through the same parser.
    const variableSelectors = dashboards.flatMap(({ file, json }) =>
      (json.templating?.list ?? []).map((variable) => {
        const { query } = variable.query as { query: string };
        const selector = /^label_values\((.+),\s*\w+\)$/.exec(query);
        if (!selector?.[1])
          throw new Error(`${file}: variable ${variable.name} is not label_values`);
        return selector[1];
      }),
    );
    const expressions = [...panelQueries(dashboards).map((q) => q.expr), ...variableSelectors];
    const dir = mkdtempSync(path.join(tmpdir(), 'dashboards-'));
    try {
      const file = path.join(dir, 'dashboards.rules.yml');
      const rules = expressions.map((expr, i) => ({
        record: `dashboard:query_${i}`,
        expr: resolveVariables(expr),
      }));
      writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules }] }));
      const result = await promtool('check', 'rules', file);

      if (result.code !== 0) throw new Error(result.output);
      expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
