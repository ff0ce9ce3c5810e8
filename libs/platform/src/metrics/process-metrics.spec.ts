import { readMetrics, sumOf, valuesOf } from './metric-values.spec-helper';
import { ProcessMetrics, type RelaySource } from './process-metrics';

const relay = (overrides: Partial<RelaySource> = {}): RelaySource => ({
  published: () => 12,
  failures: () => 2,
  leading: () => true,
  eventsBehind: async () => 5,
  ...overrides,
});

const scrape = readMetrics;

describe('ProcessMetrics', () => {
  it('exposes every family of the contract, with its type, before anything was counted', async () => {
    const families = await scrape(new ProcessMetrics());
    const expected: Record<string, string> = {
      http_server_request_duration_seconds: 'histogram',
      studypath_tasks_total: 'counter',
      studypath_submit_to_evaluated_seconds: 'histogram',
      studypath_sandbox_run_seconds: 'histogram',
      studypath_evaluations_total: 'counter',
      studypath_hint_requests_total: 'counter',
      studypath_hints_delivered_total: 'counter',
      studypath_hint_first_chunk_seconds: 'histogram',
      studypath_hint_fallbacks_total: 'counter',
      studypath_consumer_lag_messages: 'gauge',
      studypath_consumer_messages_total: 'counter',
      studypath_outbox_lag_events: 'gauge',
      studypath_outbox_published_total: 'counter',
      studypath_relay_leader: 'gauge',
      studypath_relay_failures_total: 'counter',
      studypath_dead_letters_total: 'counter',
      studypath_rate_limit_refusals_total: 'counter',
    };
    for (const [name, type] of Object.entries(expected)) {
      expect({ name, type: families.get(name)?.type }).toEqual({ name, type });
    }
  });

  it('observes histograms into buckets from 5 ms to 10 s and beyond', async () => {
    const metrics = new ProcessMetrics();
    metrics.httpRequestDuration.observe(
      { method: 'GET', route: '/v1/x', status_code: '200' },
      0.004,
    );
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/v1/x', status_code: '200' }, 0.3);
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/v1/x', status_code: '200' }, 42);
    metrics.sandboxRun.observe({ language: 'python', status: 'passed' }, 0.8);
    const families = await scrape(metrics);
    const bucket = (le: string) =>
      sumOf(families, 'http_server_request_duration_seconds_bucket', { route: '/v1/x', le });
    expect(bucket('0.005')).toBe(1);
    expect(bucket('0.5')).toBe(2);
    expect(bucket('10')).toBe(2);
    expect(bucket('+Inf')).toBe(3);
    expect(sumOf(families, 'http_server_request_duration_seconds_sum')).toBeCloseTo(42.304);
    expect(
      sumOf(families, 'studypath_sandbox_run_seconds_count', {
        language: 'python',
        status: 'passed',
      }),
    ).toBe(1);
  });

  it("reads the relays' counters, role and backlog at scrape time; a later relay of a schema replaces the earlier", async () => {
    const metrics = new ProcessMetrics();
    metrics.addRelay('path', relay({ published: () => 3 }));
    metrics.addRelay('path', relay());
    metrics.addRelay('evaluation', relay({ leading: () => false, eventsBehind: async () => 0 }));
    const families = await scrape(metrics);
    expect(sumOf(families, 'studypath_outbox_published_total', { schema: 'path' })).toBe(12);
    expect(sumOf(families, 'studypath_relay_failures_total', { schema: 'path' })).toBe(2);
    expect(sumOf(families, 'studypath_relay_leader', { schema: 'path' })).toBe(1);
    expect(sumOf(families, 'studypath_relay_leader', { schema: 'evaluation' })).toBe(0);
    expect(sumOf(families, 'studypath_outbox_lag_events', { schema: 'path' })).toBe(5);
    expect(
      valuesOf(families, 'studypath_outbox_lag_events', { schema: 'evaluation' }),
    ).toHaveLength(1);
  });

  it('never fails or hangs a scrape on a source that fails or does not answer: what is known is reported', async () => {
    const metrics = new ProcessMetrics(20);
    metrics.addRelay('path', relay({ eventsBehind: () => new Promise<number>(() => undefined) }));
    metrics.addRelay(
      'analytics',
      relay({ eventsBehind: async () => Promise.reject(new Error('away')) }),
    );
    metrics.setConsumerLag(async () => Promise.reject(new Error('the cluster is away')));
    const families = await scrape(metrics);
    expect(valuesOf(families, 'studypath_outbox_lag_events')).toEqual([]);
    expect(valuesOf(families, 'studypath_consumer_lag_messages')).toEqual([]);
    expect(sumOf(families, 'studypath_relay_leader', { schema: 'path' })).toBe(1);
    expect(sumOf(families, 'studypath_outbox_published_total', { schema: 'analytics' })).toBe(12);
  });

  it('reports the consumer lag its source reads, per group, topic and partition', async () => {
    const metrics = new ProcessMetrics();
    metrics.setConsumerLag(async () => [
      {
        labels: { group: 'evaluation', topic: 'studypath.task-events.v1', partition: 0 },
        value: 3,
      },
      {
        labels: { group: 'evaluation', topic: 'studypath.task-events.v1', partition: 1 },
        value: 0,
      },
    ]);
    const families = await scrape(metrics);
    expect(sumOf(families, 'studypath_consumer_lag_messages', { partition: '0' })).toBe(3);
    expect(sumOf(families, 'studypath_consumer_lag_messages', { partition: '1' })).toBe(0);
    expect(valuesOf(families, 'studypath_consumer_lag_messages')).toHaveLength(2);
    const text = (await metrics.exposition()).body;
    expect(text).toContain(
      'studypath_consumer_lag_messages{group="evaluation",topic="studypath.task-events.v1",partition="0"} 3',
    );
  });

  it('keeps each process its own counts (several processes in one test run)', async () => {
    const a = new ProcessMetrics();
    const b = new ProcessMetrics();
    a.evaluations.inc({ status: 'passed' });
    expect(sumOf(await scrape(a), 'studypath_evaluations_total')).toBe(1);
    expect(sumOf(await scrape(b), 'studypath_evaluations_total')).toBe(0);
  });
});
