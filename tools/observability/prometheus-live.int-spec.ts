import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  createTestDatabase,
  eventually,
  httpCaller,
  pollGet,
  runTypeScript,
  TEST_AUTH,
  until,
  type HttpCall,
  type RunningChild,
  type TestDatabase,
} from '@studypath/testing';
import { parse, stringify } from 'yaml';
import {
  loadRules,
  panelQueries,
  PROMETHEUS,
  PROMETHEUS_DIR,
  resolveVariables,
  RULE_FILES,
} from './observability-files';

/*
 * The dashboards and the rules against the real thing: Debian's Prometheus scrapes the five service
 * processes (on the real Kafka, PostgreSQL and Redis) every second during a short workload (two
 * learners, each: a path, a wrong and a right submission, a hint, progress), with the rules loaded;
 * then every panel query and every rule expression must parse and run, and the main ones must
 * return data.
 */

const SERVICES = ['path', 'task-generation', 'evaluation', 'tutor-gateway', 'analytics'] as const;
type Service = (typeof SERVICES)[number];

/** The window Grafana's $__rate_interval stands for: the whole run, so the workload is in it. */
const WINDOW = '10m';

const catalog = new BundledCatalog();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

interface QueryAnswer {
  status: number;
  body: {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
}

/**
 * The scrape configuration of deploy/prometheus with the test's targets and a 1 s interval, and
 * the rule files with every group evaluated each second (the budget's 5 m interval included).
 */
function testConfiguration(dir: string, targets: Record<Service, string>): string {
  const config = parse(readFileSync(path.join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
    global: Record<string, string>;
    rule_files: string[];
    scrape_configs: { job_name: Service; static_configs: { targets: string[] }[] }[];
  };
  config.global = { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
  mkdirSync(path.join(dir, 'rules'));
  config.rule_files = RULE_FILES.map((file) => {
    const rules = parse(readFileSync(file, 'utf8')) as { groups: { interval?: string }[] };
    for (const group of rules.groups) delete group.interval;
    const copy = path.join(dir, 'rules', path.basename(file));
    writeFileSync(copy, stringify(rules));
    return copy;
  });
  expect(config.scrape_configs.map((job) => job.job_name).sort()).toEqual([...SERVICES].sort());
  for (const job of config.scrape_configs) {
    job.static_configs = [{ targets: [targets[job.job_name]] }];
  }
  const file = path.join(dir, 'prometheus.yml');
  writeFileSync(file, stringify(config));
  return file;
}

describe('Prometheus scraping the service processes: every dashboard query and rule expression runs', () => {
  let db: TestDatabase;
  let dir: string;
  let prometheus: ChildProcessWithoutNullStreams | undefined;
  let prometheusExited: Promise<void> | undefined;
  let prometheusOutput = '';
  let prometheusUrl: string;
  const children: RunningChild[] = [];
  const urls = {} as Record<Service, string>;
  const namespace = `prom${randomUUID().slice(0, 8)}.`;

  async function query(expr: string): Promise<QueryAnswer> {
    const response = await fetch(`${prometheusUrl}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }),
    });
    return { status: response.status, body: (await response.json()) as QueryAnswer['body'] };
  }

  async function series(expr: string): Promise<Record<string, string>[]> {
    const answer = await query(expr);
    if (answer.status !== 200) throw new Error(`${expr}: ${answer.status} ${answer.body.error}`);
    return (answer.body.data?.result ?? []).map((r) => r.metric);
  }

  /** The values of an instant query's series (NaN included: a quantile of nothing). */
  async function values(expr: string): Promise<number[]> {
    const answer = await query(expr);
    if (answer.status !== 200) throw new Error(`${expr}: ${answer.status} ${answer.body.error}`);
    return (answer.body.data?.result ?? []).map((r) => Number(r.value[1]));
  }

  /** Waits until Prometheus returns a series for `expr` (it has scraped, or evaluated, enough). */
  const scraped = (expr: string): Promise<Record<string, string>[]> =>
    until(
      async () => {
        const found = await series(expr);
        return found.length > 0 && found;
      },
      () => `Prometheus to return ${expr}; its output:\n${prometheusOutput.slice(-3000)}`,
      { timeoutMs: 120_000, intervalMs: 500 },
    );

  async function workload(call: HttpCall, evaluation: HttpCall, tutor: HttpCall, user: string) {
    const created = await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
    expect(created.status).toBe(201);
    const next = await pollGet(call, user, '/v1/study-tasks/next', (a) => a.status === 200, {
      timeoutMs: 120_000,
    });
    const task = next.body.task as { id: string; problem_id: string };
    const problem = catalog.all().find((p) => p.id === task.problem_id);
    if (!problem) throw new Error(`unknown problem ${task.problem_id}`);

    const evaluated = async (code: string, language: string) => {
      const submitted = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
        language,
        code,
      });
      expect(submitted.status).toBe(202);
      const id = submitted.body.submission_id as string;
      return pollGet(
        evaluation,
        user,
        `/v1/submissions/${id}?wait=5000`,
        (a) => a.status === 200 && (a.body.status === 'completed' || a.body.status === 'failed'),
        { timeoutMs: 120_000, intervalMs: 0 },
      );
    };
    const wrong = await evaluated(
      `def ${problem.signature.python.name}(*args):\n    return None\n`,
      'python',
    );
    expect(wrong.body).toMatchObject({ evaluation: { status: 'failed' } });
    await pollGet(call, user, `/v1/study-tasks/${task.id}`, (a) => a.body.status === 'in_progress');

    const hint = await call('POST', `/v1/study-tasks/${task.id}/hint`, user);
    expect(hint.status).toBe(202);
    await pollGet(
      tutor,
      user,
      `/v1/hints/${hint.body.hint_id as string}`,
      (a) => a.status === 200 && a.body.status === 'delivered',
      { timeoutMs: 120_000 },
    );

    const right = await evaluated(problem.solutions.javascript, 'javascript');
    expect(right.body).toMatchObject({ evaluation: { status: 'passed' } });
    await pollGet(call, user, `/v1/study-tasks/${task.id}`, (a) => a.body.status === 'completed', {
      timeoutMs: 120_000,
    });
    const pathId = created.body.id as string;
    await pollGet(
      httpCaller(urls.analytics),
      user,
      `/v1/study-paths/${pathId}/progress`,
      (a) => a.status === 200,
      { timeoutMs: 120_000 },
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase([]);
    dir = mkdtempSync(path.join(tmpdir(), 'prometheus-live-'));
    const start = async (service: Service): Promise<void> => {
      const child = runTypeScript(`apps/${service}-service/src/main.ts`, {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        PORT: '0',
        DATABASE_URL: db.url,
        REDIS_URL: process.env.REDIS_URL,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        KAFKA_NAMESPACE: namespace,
        KAFKA_CLIENT_ID: `prometheus-live-${service}`,
        AUTH_HS256_SECRET: TEST_AUTH.secret,
        AUTH_ISSUER: TEST_AUTH.issuer,
      });
      children.push(child);
      const [, url] = await child.waitFor(/listening on (http:\/\/\S+) /, 120_000);
      if (!url) throw new Error(`${service} printed no URL`);
      urls[service] = url;
    };
    await Promise.all(SERVICES.map(start));

    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const config = testConfiguration(
      dir,
      Object.fromEntries(SERVICES.map((s) => [s, new URL(urls[s]).host])) as Record<
        Service,
        string
      >,
    );
    const started = spawn(PROMETHEUS, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ]);
    prometheus = started;
    started.stdout.on('data', (chunk: Buffer) => (prometheusOutput += chunk.toString('utf8')));
    started.stderr.on('data', (chunk: Buffer) => (prometheusOutput += chunk.toString('utf8')));
    prometheusExited = new Promise((resolve) => started.once('close', () => resolve()));
    await until(
      async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok,
      () => `Prometheus to be ready; its output:\n${prometheusOutput}`,
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    const learner = () =>
      workload(
        httpCaller(urls.path),
        httpCaller(urls.evaluation),
        httpCaller(urls['tutor-gateway']),
        `prom-${randomUUID()}`,
      );
    // A labelled series appears with its first observation, which rate() never sees (it has no
    // sample before): a second learner, once Prometheus has every series, makes them grow.
    await learner();
    await scraped('count(studypath_submit_to_evaluated_seconds_count) >= 2');
    await scraped('count(studypath_sandbox_run_seconds_count) >= 2');
    await scraped('studypath_hint_first_chunk_seconds_count');
    await scraped(
      'http_server_request_duration_seconds_count{route="/v1/study-paths/:id/progress"}',
    );
    await learner();
    // Every process scraped, and the rules evaluated; what the workload left shows up within a
    // few scrapes, which the tests below wait for.
    await scraped('count(up == 1) == 5');
    await scraped('studypath:slo_objective:ratio');
  }, 600_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      const timer = setTimeout(() => prometheus?.kill('SIGKILL'), 20_000);
      await prometheusExited;
      clearTimeout(timer);
    }
    await Promise.all(
      children.map(async (child) => {
        const stopped = child.stop('SIGTERM');
        const timer = setTimeout(() => void child.stop('SIGKILL'), 30_000);
        await stopped;
        clearTimeout(timer);
      }),
    );
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('scrapes every service process', async () => {
    const up = await series('up == 1');

    expect(up.map((s) => s.job).sort()).toEqual([...SERVICES].sort());
  });

  it('every dashboard panel query parses and runs', async () => {
    const failed: string[] = [];
    for (const q of panelQueries()) {
      const answer = await query(resolveVariables(q.expr, WINDOW));
      if (answer.status !== 200) {
        failed.push(
          `${q.dashboard} "${q.panel}" ${q.refId}: ${answer.status} ${answer.body.error}`,
        );
      }
    }
    expect(failed).toEqual([]);
  });

  it('every recording and alerting rule expression parses and runs', async () => {
    const rules = loadRules();
    expect(rules.length).toBeGreaterThan(0);
    const failed: string[] = [];
    for (const rule of rules) {
      const answer = await query(rule.expr);
      if (answer.status !== 200) {
        failed.push(`${rule.alert ?? rule.record}: ${answer.status} ${answer.body.error}`);
      }
    }
    expect(failed).toEqual([]);
  });

  /** The panels an on-call engineer reads first: each must show the workload. */
  const MAIN_PANELS: [dashboard: string, panel: string][] = [
    ['slo-overview.json', 'SLI over 30 days'],
    ['slo-overview.json', 'Error budget left'],
    ['slo-overview.json', 'Burn rate over 1 h (pages at 14.4 with 5 m)'],
    ['slo-overview.json', 'Core API requests by status'],
    ['slo-overview.json', 'Next task latency'],
    ['slo-overview.json', 'Submit to evaluated latency'],
    ['slo-overview.json', 'Hint first chunk latency'],
    ['slo-overview.json', 'Consumer backlog by group (freshness: over 1000 is stale)'],
    ['submission-pipeline.json', 'Submissions'],
    ['submission-pipeline.json', 'Submit to evaluated latency'],
    ['submission-pipeline.json', 'Submit to evaluated p95 by language'],
    ['submission-pipeline.json', 'Tasks by outcome'],
    ['submission-pipeline.json', 'Evaluations by status'],
    ['submission-pipeline.json', 'Sandbox run time p95 by language'],
    ['submission-pipeline.json', 'Sandbox runs by status'],
    ['submission-pipeline.json', 'Consumer lag by group and topic'],
    ['submission-pipeline.json', 'Consumer messages by outcome'],
    ['submission-pipeline.json', 'Outbox lag by schema'],
    ['submission-pipeline.json', 'Outbox published by schema'],
    ['submission-pipeline.json', 'Relay leaders'],
    ...SERVICES.filter((service) => service !== 'task-generation').flatMap(
      (service): [string, string][] => [
        [`service-${service}.json`, 'Requests by route'],
        [`service-${service}.json`, 'Latency p95 by route'],
      ],
    ),
    ...SERVICES.flatMap((service): [string, string][] => [
      [`service-${service}.json`, 'Consumer lag by group'],
      [`service-${service}.json`, 'Outbox lag'],
      [`service-${service}.json`, 'Relay leader by replica'],
      [`service-${service}.json`, 'CPU'],
      [`service-${service}.json`, 'Resident memory'],
    ]),
    ['service-path.json', 'Tasks by module and outcome'],
    ['service-path.json', 'Hint requests by level'],
    ['service-evaluation.json', 'Evaluations by status'],
    ['service-evaluation.json', 'Sandbox run time by language'],
    ['service-tutor-gateway.json', 'Hints delivered by source and level'],
    ['service-tutor-gateway.json', 'First chunk latency by source'],
  ];

  it('the main panels return data: a series with a number, not only NaN', async () => {
    const queries = panelQueries();
    const main = MAIN_PANELS.map(([dashboard, panel]) => ({
      dashboard,
      panel,
      targets: queries.filter((q) => q.dashboard === dashboard && q.panel === panel),
    }));
    expect(main.filter((m) => m.targets.length === 0)).toEqual([]);

    let empty: string[] = [];
    await until(
      async () => {
        empty = [];
        for (const { dashboard, panel, targets } of main) {
          for (const q of targets) {
            const found = await values(resolveVariables(q.expr, WINDOW));
            if (!found.some((value) => Number.isFinite(value))) {
              empty.push(`${dashboard} "${panel}" ${q.refId}: ${q.expr}`);
            }
          }
        }
        return empty.length === 0;
      },
      () => `every main panel to have a number; these have none:\n${empty.join('\n')}`,
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
  }, 180_000);

  it('the SLIs and the recorded series behind them have values', async () => {
    const slos = [
      'availability',
      'hint_first_chunk_latency',
      'next_task_latency',
      'pipeline_freshness',
      'submit_to_evaluated_latency',
    ];
    await eventually(
      async () => {
        for (const window of ['5m', '1h', '3d', '30d']) {
          // A number for each SLO (NaN != NaN): a window with events in it.
          const ratio = `studypath:slo_errors:ratio_rate${window}`;
          const recorded = await series(`${ratio} == ${ratio}`);
          expect({ window, slos: recorded.map((s) => s.slo).sort() }).toEqual({ window, slos });
        }
        expect((await series('studypath:consumer_backlog:messages')).length).toBeGreaterThan(0);
      },
      120_000,
      500,
    );
  }, 180_000);

  it('the labels carry what the workload did: routes, evaluation statuses, languages, hint sources', async () => {
    await eventually(
      async () => {
        const routes = await series(
          'sum by (method, route, status_code) (http_server_request_duration_seconds_count)',
        );
        expect(routes).toEqual(
          expect.arrayContaining([
            { method: 'POST', route: '/v1/study-paths', status_code: '201' },
            { method: 'GET', route: '/v1/study-tasks/next', status_code: '200' },
            { method: 'POST', route: '/v1/study-tasks/:id/submit', status_code: '202' },
            { method: 'POST', route: '/v1/study-tasks/:id/hint', status_code: '202' },
            { method: 'GET', route: '/v1/submissions/:id', status_code: '200' },
            { method: 'GET', route: '/v1/hints/:id', status_code: '200' },
          ]),
        );
        const statuses = await series('sum by (status) (studypath_evaluations_total)');
        expect(statuses).toEqual(
          expect.arrayContaining([{ status: 'passed' }, { status: 'failed' }]),
        );
        const languages = await series(
          'sum by (language) (studypath_submit_to_evaluated_seconds_count)',
        );
        expect(languages).toEqual(
          expect.arrayContaining([{ language: 'python' }, { language: 'javascript' }]),
        );
        expect(await series('sum by (source) (studypath_hints_delivered_total)')).toEqual([
          { source: 'builtin' },
        ]);
        expect(await series('sum by (outcome) (studypath_tasks_total{outcome="created"})')).toEqual(
          [{ outcome: 'created' }],
        );
      },
      120_000,
      500,
    );
  }, 180_000);
});
