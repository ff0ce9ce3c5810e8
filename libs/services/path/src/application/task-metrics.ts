import { Injectable } from '@nestjs/common';
import {
  isEnvelopeOf,
  TaskCreated,
  TaskSubmitted,
  type Enveloped,
  type EventEnvelope,
  type TaskEvent,
} from '@studypath/contracts';
import { afterCommit, InjectEventStore, type PostgresEventStore } from '@studypath/event-store';
import { InjectDataSource, ProcessMetrics } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { taskStream } from './streams';

/** The task outcomes `studypath_tasks_total` counts, as the status a task moves to. */
const COUNTED_OUTCOMES: ReadonlySet<string> = new Set([
  'completed',
  'failed',
  'skipped',
  'expired',
]);

/**
 * What the path service's task events say to /metrics: tasks created and ended by module and
 * outcome, accepted hint requests by level, and submit-to-evaluated latency by language. Counted
 * once the events' transaction commits (a command retried after a conflict counts once). The
 * module, and the submission an evaluation answers, are read from the task's stream only for the
 * events that need them.
 */
@Injectable()
export class TaskMetrics {
  constructor(
    @InjectEventStore('path') private readonly store: PostgresEventStore,
    @InjectDataSource('path') private readonly dataSource: DataSource,
    private readonly metrics: ProcessMetrics,
  ) {}

  async record(
    taskId: string,
    appended: Enveloped<TaskEvent>[],
    manager: EntityManager,
  ): Promise<void> {
    let history: EventEnvelope[] | undefined;
    const stream = async (): Promise<EventEnvelope[]> =>
      (history ??= await this.store.readStream(taskStream(taskId), { manager }));
    const observations: (() => void)[] = [];
    for (const event of appended) {
      switch (event.event_type) {
        case 'task.created': {
          const { module } = event.data;
          observations.push(() => this.metrics.tasks.inc({ module, outcome: 'created' }));
          break;
        }
        case 'task.status_changed': {
          const outcome = event.data.to;
          if (!COUNTED_OUTCOMES.has(outcome)) break;
          const module = moduleOf(await stream());
          observations.push(() => this.metrics.tasks.inc({ module, outcome }));
          break;
        }
        case 'task.hint_requested': {
          const level = String(event.data.level);
          observations.push(() => this.metrics.hintRequests.inc({ level }));
          break;
        }
        case 'task.evaluated': {
          const submitted = (await stream()).find(
            (e): e is EventEnvelope & { data: { language: string } } =>
              isEnvelopeOf([TaskSubmitted], e) && e.data.submission_id === event.data.submission_id,
          );
          if (!submitted) break;
          const since = Date.parse(submitted.occurred_at);
          const language = submitted.data.language;
          observations.push(() =>
            this.metrics.submitToEvaluated.observe(
              { language },
              Math.max(0, (Date.now() - since) / 1000),
            ),
          );
          break;
        }
        case 'task.started':
        case 'task.submitted':
        case 'task.hint_delivered':
        case 'task.expired':
        case 'task.skipped':
          // Counted by the status change that goes with them, or not at all.
          break;
        default:
          break;
      }
    }
    if (observations.length === 0) return;
    afterCommit(this.dataSource, manager, () => {
      for (const observe of observations) observe();
    });
  }
}

function moduleOf(history: EventEnvelope[]): string {
  const created = history.find((e) => isEnvelopeOf([TaskCreated], e));
  return created && isEnvelopeOf([TaskCreated], created) ? created.data.module : 'unknown';
}
