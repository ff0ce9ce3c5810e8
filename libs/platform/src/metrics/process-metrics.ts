import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ScrapeSampler } from './scrape-sampler';

/** One labelled value read at scrape time. */
export interface Sample<Label extends string> {
  labels: Record<Label, string | number>;
  value: number;
}

/** What one outbox relay reports: its counters, its role, and its backlog (read from the log). */
export interface RelaySource {
  published(): number;
  failures(): number;
  leading(): boolean;
  /** Events of the log not yet published; may be slow or fail (PostgreSQL away). */
  eventsBehind(): Promise<number>;
}

/** Reads the process's Kafka consumer lag per group, topic and partition (may be slow or fail). */
export type ConsumerLagSource = () => Promise<Sample<'group' | 'topic' | 'partition'>[]>;

/** The longest a scrape waits for a value read at scrape time; slower ones report the last known. */
export const SCRAPE_READ_DEADLINE_MS = 1_000;

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const PIPELINE_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120];
const SANDBOX_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30];
const FIRST_CHUNK_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30];

/**
 * The Node.js and process metrics (`process_*`, `nodejs_*`) are facts of the OS process: collected
 * once, into a registry of their own, however many applications a process starts (tests start
 * several in one process; prom-client's collectors cannot be stopped).
 */
let defaults: Registry | undefined;
function defaultMetrics(): Registry {
  if (!defaults) {
    defaults = new Registry();
    collectDefaultMetrics({ register: defaults });
  }
  return defaults;
}

/**
 * The metrics of one process, served on `GET /metrics` (docs/observability.md, "Metrics", is the
 * contract: the names and labels below are what the dashboards and alert rules query). Services
 * inject it and count what they do; values that live elsewhere (the relays' counters and roles,
 * the outbox and consumer lag) are read at scrape time from the sources registered here, never
 * blocking a scrape longer than SCRAPE_READ_DEADLINE_MS and never failing it. Labels take values
 * from small fixed sets only (never an id).
 */
export class ProcessMetrics {
  /** The process's own instruments; `registry` adds the Node.js and process metrics. */
  private readonly own = new Registry();
  readonly registry: Registry;

  private readonly relays = new Map<
    string,
    { source: RelaySource; behind: ScrapeSampler<number> }
  >();
  private consumerLagSampler: ScrapeSampler<Sample<'group' | 'topic' | 'partition'>[]> | undefined;

  readonly httpRequestDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests, by method, route pattern (`unmatched` when no route matched) and status code; /metrics and /health left out',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.own],
  });

  readonly tasks = new Counter({
    name: 'studypath_tasks_total',
    help: 'Task events the path service recorded, by the task module and outcome (created, completed, failed, skipped, expired)',
    labelNames: ['module', 'outcome'] as const,
    registers: [this.own],
  });

  readonly submitToEvaluated = new Histogram({
    name: 'studypath_submit_to_evaluated_seconds',
    help: 'From task.submitted (its occurred_at) to the path service recording task.evaluated, by language',
    labelNames: ['language'] as const,
    buckets: PIPELINE_BUCKETS,
    registers: [this.own],
  });

  readonly sandboxRun = new Histogram({
    name: 'studypath_sandbox_run_seconds',
    help: "Wall time of one sandbox run, by language and the run's status (runner_error: the runner threw)",
    labelNames: ['language', 'status'] as const,
    buckets: SANDBOX_BUCKETS,
    registers: [this.own],
  });

  readonly evaluations = new Counter({
    name: 'studypath_evaluations_total',
    help: 'Evaluations the evaluation service finished, by status (infrastructure_error: evaluation.failed)',
    labelNames: ['status'] as const,
    registers: [this.own],
  });

  readonly hintRequests = new Counter({
    name: 'studypath_hint_requests_total',
    help: 'Hint requests the path service accepted, by hint level',
    labelNames: ['level'] as const,
    registers: [this.own],
  });

  readonly hintsDelivered = new Counter({
    name: 'studypath_hints_delivered_total',
    help: 'Hints the tutor-gateway delivered, by source (llm, builtin) and level',
    labelNames: ['source', 'level'] as const,
    registers: [this.own],
  });

  readonly hintFirstChunk = new Histogram({
    name: 'studypath_hint_first_chunk_seconds',
    help: "From the hint request (its occurred_at) to the first chunk on the hint's stream, by the source of that chunk",
    labelNames: ['source'] as const,
    buckets: FIRST_CHUNK_BUCKETS,
    registers: [this.own],
  });

  readonly hintFallbacks = new Counter({
    name: 'studypath_hint_fallbacks_total',
    help: 'Hints the built-in tutor wrote although an LLM is configured, by reason',
    labelNames: ['reason'] as const,
    registers: [this.own],
  });

  readonly consumerMessages = new Counter({
    name: 'studypath_consumer_messages_total',
    help: 'Messages consumed, by consumer group, topic and outcome (handled; failed: one attempt failed and is retried; dead_lettered)',
    labelNames: ['group', 'topic', 'outcome'] as const,
    registers: [this.own],
  });

  readonly deadLetters = new Counter({
    name: 'studypath_dead_letters_total',
    help: 'Messages dead-lettered, by consumer group and original topic',
    labelNames: ['group', 'topic'] as const,
    registers: [this.own],
  });

  readonly rateLimitRefusals = new Counter({
    name: 'studypath_rate_limit_refusals_total',
    help: 'Requests refused with 429 by a rate-limit policy (submit, hint, read: per user; anonymous: per client)',
    labelNames: ['policy'] as const,
    registers: [this.own],
  });

  /** `scrapeReadDeadlineMs`: see SCRAPE_READ_DEADLINE_MS (tests shorten it). */
  constructor(private readonly scrapeReadDeadlineMs = SCRAPE_READ_DEADLINE_MS) {
    const consumerLag: Gauge<'group' | 'topic' | 'partition'> = new Gauge({
      name: 'studypath_consumer_lag_messages',
      help: "Messages of a partition not yet consumed by a consumer group (high watermark minus the group's committed offset); processes on Kafka only",
      labelNames: ['group', 'topic', 'partition'] as const,
      registers: [this.own],
      collect: async () => {
        const samples = await this.consumerLagSampler?.sample();
        consumerLag.reset();
        for (const sample of samples ?? []) consumerLag.set(sample.labels, sample.value);
      },
    });
    const outboxLag: Gauge<'schema'> = new Gauge({
      name: 'studypath_outbox_lag_events',
      help: "Events in a service's log not yet published by its relay (counted up to 100,000)",
      labelNames: ['schema'] as const,
      registers: [this.own],
      collect: async () => {
        const read = await Promise.all(
          [...this.relays].map(
            async ([schema, relay]) => [schema, await relay.behind.sample()] as const,
          ),
        );
        outboxLag.reset();
        for (const [schema, behind] of read) {
          if (behind !== undefined) outboxLag.set({ schema }, behind);
        }
      },
    });
    const published: Counter<'schema'> = new Counter({
      name: 'studypath_outbox_published_total',
      help: "Events a service's relay published from this process",
      labelNames: ['schema'] as const,
      registers: [this.own],
      collect: () => {
        published.reset();
        for (const [schema, { source }] of this.relays)
          published.inc({ schema }, source.published());
      },
    });
    const leader: Gauge<'schema'> = new Gauge({
      name: 'studypath_relay_leader',
      help: "1 when this process leads a service's outbox relay, else 0",
      labelNames: ['schema'] as const,
      registers: [this.own],
      collect: () => {
        leader.reset();
        for (const [schema, { source }] of this.relays) {
          leader.set({ schema }, source.leading() ? 1 : 0);
        }
      },
    });
    const failures: Counter<'schema'> = new Counter({
      name: 'studypath_relay_failures_total',
      help: "Failed iterations of a service's outbox relay in this process (each is retried)",
      labelNames: ['schema'] as const,
      registers: [this.own],
      collect: () => {
        failures.reset();
        for (const [schema, { source }] of this.relays) failures.inc({ schema }, source.failures());
      },
    });
    this.registry = Registry.merge([defaultMetrics(), this.own]);
  }

  /** Reports a service's outbox relay (a later one of the same schema replaces it: a restart). */
  addRelay(schema: string, source: RelaySource): void {
    this.relays.set(schema, {
      source,
      behind: new ScrapeSampler(() => source.eventsBehind(), this.scrapeReadDeadlineMs),
    });
  }

  /** Reports the process's consumer lag (a later source replaces it: a restart). */
  setConsumerLag(source: ConsumerLagSource): void {
    this.consumerLagSampler = new ScrapeSampler(source, this.scrapeReadDeadlineMs);
  }

  /** The exposition, in the Prometheus text format. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
