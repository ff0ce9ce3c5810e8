import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import {
  loadRules,
  PROMETHEUS_DIR,
  promtool,
  ROOT,
  RULE_FILES,
  RULE_TEST_FILES,
} from './observability-files';

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

interface RuleTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

describe('deploy/prometheus (promtool from Debian)', () => {
  const alerts = loadRules().filter((rule) => rule.alert !== undefined);

  it('promtool check config: the scrape configuration and the rule files it loads are valid', async () => {
    const result = await promtool('check', 'config', path.join(PROMETHEUS_DIR, 'prometheus.yml'));

    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain(`SUCCESS: ${RULE_FILES.length} rule files found`);
  });

  it('promtool check rules: every rule file is valid, with no lint findings', async () => {
    const result = await promtool('check', 'rules', ...RULE_FILES);

    expect(result).toMatchObject({ code: 0 });
    expect(result.output).not.toMatch(/WARNING|FAILED/);
  });

  it('promtool test rules: every unit test of the alerts passes', async () => {
    const result = await promtool('test', 'rules', ...RULE_TEST_FILES);

    if (result.code !== 0) throw new Error(result.output);
    expect(result.output.match(/SUCCESS/g)).toHaveLength(RULE_TEST_FILES.length);
  }, 600_000);

  it('every alert is tested both firing and not firing', () => {
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const file of RULE_TEST_FILES) {
      const { tests } = parse(readFileSync(file, 'utf8')) as RuleTestFile;
      for (const check of tests.flatMap((test) => test.alert_rule_test ?? [])) {
        (check.exp_alerts?.length ? firing : quiet).add(check.alertname);
      }
    }
    const names = alerts.map((rule) => rule.alert);

    expect(names.filter((name) => !firing.has(name ?? ''))).toEqual([]);
    expect(names.filter((name) => !quiet.has(name ?? ''))).toEqual([]);
  });

  it('every alert has a severity, a summary, a description and a runbook entry that exists', () => {
    const runbook = readFileSync(path.join(ROOT, 'docs/runbook.md'), 'utf8');
    const anchors = new Set(
      [...runbook.matchAll(/^#{2,4} (.+)$/gm)].map(([, heading]) => anchorOf(heading ?? '')),
    );
    expect(alerts.length).toBeGreaterThan(0);
    for (const rule of alerts) {
      const name = rule.alert ?? '';
      expect({ name, severity: rule.labels?.severity }).toEqual({
        name,
        severity: expect.stringMatching(/^(page|ticket)$/),
      });
      expect(rule.annotations).toEqual({
        summary: expect.any(String),
        description: expect.any(String),
        runbook_url: `docs/runbook.md#${name.toLowerCase()}`,
      });
      expect({ name, entry: anchors.has(name.toLowerCase()) }).toEqual({ name, entry: true });
    }
  });

  it('every SLO of the rules is described in docs/slo.md', () => {
    const slo = readFileSync(path.join(ROOT, 'docs/slo.md'), 'utf8');
    const slos = new Set(loadRules().flatMap((rule) => rule.labels?.slo ?? []));

    expect([...slos].sort()).toEqual([
      'availability',
      'hint_first_chunk_latency',
      'next_task_latency',
      'pipeline_freshness',
      'submit_to_evaluated_latency',
    ]);
    for (const name of slos) expect(slo).toContain(`\`${name}\``);
  });
});
