import {
  LATEST_POLICIES,
  type EventData,
  type EventEnvelope,
  type PathPolicies,
  type ModuleId,
  type PathCreated,
  type TaskCreated,
  type TaskEvaluated,
  type TaskStatusChanged,
} from '@studypath/contracts';
import type { ProgressEvent } from './progress.read-model';

type PathConfig = EventData<typeof PathCreated>['config'];
type EvaluationStatus = EventData<typeof TaskEvaluated>['status'];
type TaskStatus = EventData<typeof TaskStatusChanged>['to'];

/** A deterministic uuid for test ids: the same name gives the same id within a history. */
const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/**
 * Builds a path's history for tests, as the path service would record it: events in order, each
 * at the history's clock. Tasks, submissions and hints are named by short test names.
 *
 *   new ProgressHistory('2026-03-07T12:00:00Z').path({ timezone: 'Europe/Berlin' })
 *     .task('a').start('a').after(20).submit('a', 's1').evaluate('a', 's1', 'passed')
 */
export class ProgressHistory {
  readonly events: ProgressEvent[] = [];
  private clock: number;
  private readonly ids = new Map<string, string>();
  readonly pathId = uuid(0);

  constructor(start: string) {
    this.clock = Date.parse(start);
  }

  /** The uuid of a test name. */
  id(name: string): string {
    let id = this.ids.get(name);
    if (!id) {
      id = uuid(this.ids.size + 1);
      this.ids.set(name, id);
    }
    return id;
  }

  /** Moves the clock on by some minutes. */
  after(minutes: number): this {
    this.clock += minutes * 60_000;
    return this;
  }

  /** Sets the clock. */
  at(iso: string): this {
    this.clock = Date.parse(iso);
    return this;
  }

  get now(): Date {
    return new Date(this.clock);
  }

  private push(event: Omit<ProgressEvent, 'occurred_at'>): this {
    this.events.push({
      ...event,
      occurred_at: new Date(this.clock).toISOString(),
    } as ProgressEvent);
    return this;
  }

  path(
    config: Partial<PathConfig> = {},
    trackId = 'meta-swe',
    policies: PathPolicies = LATEST_POLICIES,
  ): this {
    return this.push({
      event_type: 'path.created',
      data: { path_id: this.pathId, track_id: trackId, config: configOf(config), policies },
    });
  }

  movePolicies(policies: PathPolicies): this {
    return this.push({
      event_type: 'path.policies_changed',
      data: { path_id: this.pathId, policies, changed: ['generation', 'scheduling'] },
    });
  }

  configure(config: Partial<PathConfig>): this {
    return this.push({
      event_type: 'path.config_updated',
      data: { path_id: this.pathId, config: configOf(config), changed: Object.keys(config) },
    });
  }

  task(
    name: string,
    task: Partial<
      Pick<EventData<typeof TaskCreated>, 'topics' | 'difficulty' | 'source' | 'review'>
    > & {
      module?: ModuleId;
      /** The problem's test name: `problem-<problem>` (default: the task's name). */
      problem?: string;
    } = {},
  ): this {
    return this.push({
      event_type: 'task.created',
      data: {
        task_id: this.id(name),
        path_id: this.pathId,
        problem_id: `problem-${task.problem ?? name}`,
        ...(task.review ? { review: task.review } : {}),
        module: task.module ?? 'arrays-strings',
        topics: task.topics ?? ['arrays'],
        difficulty: task.difficulty ?? 2,
        order: this.events.length,
        source: task.source ?? 'adaptive',
        proposal_id: this.id(`proposal-${name}`),
      },
    });
  }

  private refs(name: string) {
    return { task_id: this.id(name), path_id: this.pathId };
  }

  start(name: string): this {
    return this.push({ event_type: 'task.started', data: this.refs(name) });
  }

  submit(name: string, submission: string, attempt = 1): this {
    return this.push({
      event_type: 'task.submitted',
      data: {
        ...this.refs(name),
        submission_id: this.id(submission),
        problem_id: `problem-${name}`,
        language: 'python',
        code: 'pass',
        attempt,
      },
    });
  }

  evaluate(name: string, submission: string, status: EvaluationStatus, score?: number): this {
    const passed = status === 'passed';
    return this.push({
      event_type: 'task.evaluated',
      data: {
        ...this.refs(name),
        submission_id: this.id(submission),
        status,
        score: score ?? (passed ? 1 : 0),
        passed_tests: passed ? 4 : 0,
        total_tests: status === 'infrastructure_error' ? 0 : 4,
        runtime_ms: status === 'infrastructure_error' ? null : 12,
        memory_kb: null,
      },
    });
  }

  hint(name: string, hint: string, level = 1): this {
    this.push({
      event_type: 'task.hint_requested',
      data: { ...this.refs(name), hint_request_id: this.id(hint), level },
    });
    return this.push({
      event_type: 'task.hint_delivered',
      data: { ...this.refs(name), hint_request_id: this.id(hint), level, content: 'Try a map.' },
    });
  }

  /** A hint asked for that the tutor has not delivered (yet). */
  hintRequestOnly(name: string, hint: string, level = 1): this {
    return this.push({
      event_type: 'task.hint_requested',
      data: { ...this.refs(name), hint_request_id: this.id(hint), level },
    });
  }

  status(name: string, from: TaskStatus, to: TaskStatus): this {
    return this.push({
      event_type: 'task.status_changed',
      data: { ...this.refs(name), from, to, reason: 'test' },
    });
  }

  skip(name: string): this {
    return this.push({ event_type: 'task.skipped', data: this.refs(name) });
  }

  expire(name: string): this {
    return this.push({ event_type: 'task.expired', data: this.refs(name) });
  }
}

function configOf(config: Partial<PathConfig>): PathConfig {
  return {
    target_interview_date: null,
    timezone: 'UTC',
    hours_per_week: 5,
    starting_levels: {},
    personalization_weights: {},
    pending_tasks_ahead: 5,
    max_attempts: 3,
    expiry_days: 7,
    ...config,
  };
}

/**
 * A history's events as the path service's log envelopes them (a stream per path and per task,
 * positions counted per stream), for `userId`, under `pathId` (by default the history's own).
 */
export function enveloped(
  history: ProgressHistory,
  userId: string,
  pathId: string = history.pathId,
): (ProgressEvent & EventEnvelope)[] {
  const events = JSON.parse(
    JSON.stringify(history.events).replaceAll(history.pathId, pathId),
  ) as ProgressEvent[];
  const positions = new Map<string, number>();
  return events.map((event, i) => {
    const streamId =
      'task_id' in event.data ? `task-${event.data.task_id}` : `path-${event.data.path_id}`;
    const position = (positions.get(streamId) ?? 0) + 1;
    positions.set(streamId, position);
    return {
      ...event,
      event_id: uuid(0x100000 + i).replace('00000000-', `${pathId.slice(0, 8)}-`),
      schema_version: event.event_type === 'task.hint_requested' ? 2 : 1,
      stream_id: streamId,
      stream_position: position,
      global_position: 0,
      user_id: userId,
      correlation_id: pathId,
      causation_id: null,
      traceparent: null,
    } as ProgressEvent & EventEnvelope;
  });
}
